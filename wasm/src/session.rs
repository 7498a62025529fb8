//! `FlowSession`: a parsed flow kept in wasm memory for an editor. A thin adapter over the
//! core's [`flowguard_core::edit::Session`], which owns the model, the edits, the rank
//! index `wouldCreateCycle` uses and the incremental analysis (see its documentation);
//! this file only turns JavaScript values into the core's and back.

use flowguard_core as core;
use flowguard_core::edit::Session;
use wasm_bindgen::prelude::*;

use crate::options::{self, Result};
use crate::types::{self, SessionResult};
use crate::{Text, core_options, read_text, to_js};

/// A flow kept parsed for an editor: `update(text)` re-reads it, `applyEdit(edit)` changes
/// the model directly (for visual editors), `wouldCreateCycle(from, to)` answers a
/// connection check without an analysis pass, and `diagnostics()` analyses the current
/// state, recomputing only what the edits since the last analysis can have changed.
/// Call `free()` (or use `using`) when done: the flow lives in wasm memory.
///
/// Diagnostics of parts added or changed by `applyEdit` have a `pointer` (in flow JSON
/// shape, `/nodes/<id>/...`) but no `span`: there is no text for them. Spans of other
/// parts refer to the text last given to the constructor or `update`.
#[wasm_bindgen]
pub struct FlowSession {
    session: Session,
    generation: u32,
}

fn string_arg(what: &str, v: &JsValue) -> Result<String> {
    v.as_string().ok_or_else(|| {
        JsError::new(&format!(
            "{what} must be a string (a node id), got {}",
            options::describe(v)
        ))
    })
}

#[wasm_bindgen]
impl FlowSession {
    /// Reads `text` (any supported format) with `options` (the options of `validate`).
    /// Never throws for anything in the text; throws an `Error` for invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: JsValue,
    ) -> Result<FlowSession> {
        let options = options::validate_options(&options)?;
        if options.settings.is_some() {
            return Err(JsError::new(
                "options: `settings` is taken by `validate`, not by `FlowSession`",
            ));
        }
        let mut session = FlowSession {
            session: Session::new(core_options(&options)),
            generation: 0,
        };
        session.load(&text)?;
        Ok(session)
    }

    /// Re-reads the whole document (after the user typed) and analyses it.
    #[wasm_bindgen(unchecked_return_type = "SessionResult")]
    pub fn update(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JsValue> {
        self.load(&text)?;
        self.generation = self.generation.wrapping_add(1);
        self.result(true)
    }

    /// Applies one structural edit to the model and (unless `{analyze: false}`) analyses
    /// the result. Throws an `Error` for an invalid edit (unknown `op`, missing field, a
    /// node id that does not exist, adding an id that exists); the session is unchanged
    /// then.
    #[wasm_bindgen(js_name = applyEdit, unchecked_return_type = "SessionResult")]
    pub fn apply_edit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Edit")] edit: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ApplyOptions")] options: JsValue,
    ) -> Result<JsValue> {
        let edit = options::edit(&edit)?;
        let analyze = options::apply_options(&options)?.analyze.unwrap_or(true);
        self.session
            .apply(edit)
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.generation = self.generation.wrapping_add(1);
        self.result(analyze)
    }

    /// Analyses the current state (the text last read, with every edit since).
    #[wasm_bindgen(unchecked_return_type = "SessionResult")]
    pub fn diagnostics(&mut self) -> Result<JsValue> {
        self.result(true)
    }

    /// The graph of the current state (the text last read, with every edit since), as
    /// `graph` returns it. Nodes and edges added by `applyEdit` have no span.
    #[wasm_bindgen(unchecked_return_type = "GraphView")]
    pub fn graph(&self) -> Result<JsValue> {
        types::graph_js(&self.session.graph())
    }

    /// Whether adding a reference `from → to` would close a cycle, i.e. `from == to` or
    /// `to` already reaches `from`. For a React Flow `isValidConnection`. No analysis pass:
    /// constant time when `to` is further down the flow than `from`, else a search
    /// bounded by the session's rank index. `false` when either id names no node.
    ///
    /// Every cycle counts, including caller-driven ones through menus, which flowguard
    /// accepts in a flow (see FG020 and FG021 for which loops are defects).
    #[wasm_bindgen(js_name = wouldCreateCycle)]
    pub fn would_create_cycle(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] from: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] to: JsValue,
    ) -> Result<bool> {
        let from = string_arg("wouldCreateCycle: `from`", &from)?;
        let to = string_arg("wouldCreateCycle: `to`", &to)?;
        Ok(self.session.would_create_cycle(&from, &to))
    }

    /// Increases by one with every `update` and `applyEdit` (starts at 0).
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Nodes in the model (including duplicates of an id).
    #[wasm_bindgen(getter, js_name = nodeCount)]
    pub fn node_count(&self) -> u32 {
        u32::try_from(self.session.node_count()).unwrap_or(u32::MAX)
    }

    /// How many analyses since the text was last read were full passes; the others
    /// recomputed only what the edits could change (for benchmarks and tests).
    #[wasm_bindgen(getter, js_name = fullPasses)]
    pub fn full_passes(&self) -> f64 {
        self.session.full_passes() as f64
    }
}

impl FlowSession {
    fn load(&mut self, text: &JsValue) -> Result<()> {
        match read_text("text", text, self.session.options().max_bytes)? {
            Text::TooLarge(raw) => self.session.load_rejected(raw),
            Text::Read(text) => self.session.load(text),
        }
        Ok(())
    }

    fn result(&mut self, analyze: bool) -> Result<JsValue> {
        let mut out = SessionResult {
            generation: self.generation,
            diagnostics: None,
            stats: None,
        };
        if analyze {
            let (diagnostics, stats): (Vec<core::Diagnostic>, core::Stats) =
                self.session.analysis();
            out.diagnostics = Some(diagnostics);
            out.stats = Some(stats.into());
        }
        to_js(&out)
    }
}
