//! The sample rule set, compiled into the binary so that feebook runs
//! on a fresh machine with no `rules/` folder. A test keeps this list equal
//! to the files in `rules/`.

pub const FILES: &[(&str, &str)] = &[
    ("approvals.yaml", include_str!("../../rules/approvals.yaml")),
    ("calendar.yaml", include_str!("../../rules/calendar.yaml")),
    (
        "catalog-2025.yaml",
        include_str!("../../rules/catalog-2025.yaml"),
    ),
    (
        "catalog-2026.yaml",
        include_str!("../../rules/catalog-2026.yaml"),
    ),
    ("documents.yaml", include_str!("../../rules/documents.yaml")),
    ("formulas.yaml", include_str!("../../rules/formulas.yaml")),
    (
        "organization.yaml",
        include_str!("../../rules/organization.yaml"),
    ),
    ("policies.yaml", include_str!("../../rules/policies.yaml")),
    ("taxes.yaml", include_str!("../../rules/taxes.yaml")),
];
