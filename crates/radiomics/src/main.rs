//! The `radiomics` command line.

fn main() {
    println!("radiomics: subcommands are being added");
}
