//! The input of the measuring examples (`phases`, `analyze`): a flow-JSON file, or
//! `ivr:<n>` / `decisions:<n>`, the criterion benches' generators.

#[path = "../../benches/decision_gen.rs"]
mod decision_gen;
#[path = "../../benches/ivr_gen.rs"]
mod ivr_gen;

/// The text `input` names.
pub fn text(input: &str) -> String {
    match input.split_once(':') {
        Some(("ivr", n)) => ivr_gen::ivr_flow(n.parse().unwrap()),
        Some(("decisions", n)) => decision_gen::decision_heavy_flow(n.parse().unwrap()),
        _ => std::fs::read_to_string(input).unwrap(),
    }
}
