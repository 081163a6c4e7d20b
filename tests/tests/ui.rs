//! Compile-time checks of `#[derive(Order)]`, `#[derive(BillingOrder)]` and
//! `merchant!`: one compile-fail case per check (each `.stderr` reviewed for
//! where the error lands), and pass cases covering every attribute.
//!
//! Regenerate snapshots with `TRYBUILD=overwrite cargo test -p inipay-tests
//! --test ui` and review the diff. The toolchain is pinned
//! (`rust-toolchain.toml`) because the snapshots hold rustc's wording.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
