fn main() {
    println!("ledger: balanced");
}
