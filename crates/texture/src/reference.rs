//! Slow reference implementations (todo).
