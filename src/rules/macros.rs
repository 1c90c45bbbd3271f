//! `declare_rule!`: one rule's doc comment becomes both its rustdoc and the
//! text `dockopt rule CODE` prints, so the two never drift apart.

/// Declares a `pub static RULE: Rule` with the doc comment above it as its documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        code: $code:literal,
        name: $name:literal,
        family: $family:ident,
        severity: $severity:ident,
        hadolint: [$($h:literal),* $(,)?],
        fix: $fix:expr,
        $(fixer: $fixer:path,)?
        check: $kind:ident($f:path) $(,)?
    ) => {
        $(#[doc = $doc])*
        pub static RULE: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $name,
            family: $crate::rules::Family::$family,
            severity: $crate::rules::Severity::$severity,
            hadolint: &[$($h),*],
            fix: $fix,
            fixer: declare_rule!(@fixer $($fixer)?),
            doc: concat!($($doc, "\n"),*),
            check: $crate::rules::Check::$kind($f),
        };
    };
    (@fixer) => { None };
    (@fixer $fixer:path) => { Some($fixer as $crate::fix::FixFn) };
}
