fn main() {
    patchbay_build::stamp_commit();
}
