//! Real-engine tier: placeholder until the harness lands.
fn main() {}
