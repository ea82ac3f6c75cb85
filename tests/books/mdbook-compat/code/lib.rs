fn main() {
    let x = 1;
    // ANCHOR: body
    println!("{x}");
    // ANCHOR_END: body
}
