fn main() {
    println!("tally: 42");
}
