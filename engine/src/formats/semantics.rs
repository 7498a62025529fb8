//! What every Architect action does to routing: the one table both Architect readers (Archy
//! YAML and Architect configuration JSON) use, and that `docs/semantics.md` documents row by
//! row with its evidence.
//!
//! A row says how analysis treats the action ([`NodeKind`]), what happens after it
//! ([`After`]), which named outputs it has, and how sure we are ([`Status`]). Where no
//! evidence exists the row takes the reading that cannot produce a false error — the action
//! continues with the next one — and is marked [`Status::Inferred`].

use crate::model::NodeKind;

/// What happens after an action runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Continues with the next action, after the actions of whichever output it took.
    Next,
    /// Ends the interaction, the flow or the task: nothing after it runs.
    End,
    /// Hands the interaction off (a transfer): on success this flow ends there; on failure
    /// the `failure` output's actions run and the flow continues with the next action. In a
    /// menu choice a failed transfer repeats the menu.
    Handoff,
    /// Branches on conditions (`decision`, `switch`).
    Branch,
    /// Runs its body a counted number of times, then continues.
    Loop,
    /// Leaves the enclosing loop.
    LoopExit,
    /// Starts the enclosing loop's next iteration.
    LoopNext,
    /// Goes to another task or menu and does not come back.
    Jump,
    /// Runs a reusable task, which returns here when it ends.
    Call,
}

/// How an entry of the table is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A Genesys Help Center or developer-center article, or Archy's documentation, says so.
    Documented,
    /// Real, published flow files show it (`../shared/genesys/real-flows`).
    RealFile,
    /// Neither: the reading that cannot produce a false error, to be confirmed.
    Inferred,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Documented => "documented",
            Status::RealFile => "real file",
            Status::Inferred => "inferred",
        }
    }
}

/// One Architect action.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    /// The Archy YAML key (`transferToAcd`).
    pub archy: &'static str,
    /// The configuration JSON `__type` names it is stored as.
    pub architect: &'static [&'static str],
    /// How Architect's palette names it (`Transfer to ACD`): what messages show.
    pub title: &'static str,
    pub kind: NodeKind,
    pub after: After,
    /// Its named outputs (`outputs.<name>.actions` in Archy; paths in configuration JSON).
    pub outputs: &'static [&'static str],
    /// Every run takes one of `outputs`: when all are written out there is no implicit path
    /// to the next action besides theirs.
    pub exhaustive: bool,
    pub status: Status,
}

// A table row per call keeps `ACTIONS` one line per action.
#[allow(clippy::too_many_arguments)]
const fn row(
    archy: &'static str,
    architect: &'static [&'static str],
    title: &'static str,
    kind: NodeKind,
    after: After,
    outputs: &'static [&'static str],
    exhaustive: bool,
    status: Status,
) -> Action {
    Action {
        archy,
        architect,
        title,
        kind,
        after,
        outputs,
        exhaustive,
        status,
    }
}

use After::*;
use NodeKind::{Decision, End as EndKind, Input, Loop as LoopKind, PassThrough};
use Status::*;

const FAILURE: &[&str] = &["failure"];
const FOUND: &[&str] = &["found", "notFound"];

/// Every action flowguard knows, by Archy key. Docs: `docs/semantics.md` (a test checks that
/// every row is documented there).
#[rustfmt::skip]
pub const ACTIONS: &[Action] = &[
    // Waiting for the caller or customer.
    row("collectInput", &["CollectInputAction"], "Collect Input", Input, Next, &["success", "failure"], true, RealFile),
    row("askForBoolean", &[], "Ask for Yes/No", Input, Next, &["yes", "no", "maxNoInputs", "maxNoMatches"], true, RealFile),
    row("askForIntent", &[], "Ask for Intent", Input, Next, &["intents", "noIntent", "knowledge", "maxNoInputs"], false, RealFile),
    row("askForSlot", &[], "Ask for Slot", Input, Next, &["maxNoInputs", "maxNoMatches"], false, RealFile),
    row("getResponse", &[], "Get Response", Input, Next, &[], false, Inferred),
    // A bot conversation waits for the customer, then returns through its outputs.
    row("callBotFlow", &["CallBotFlowAction"], "Call Bot Flow", Input, Next, &[], false, RealFile),
    row("callDigitalBotFlow", &["CallDigitalBotFlowAction"], "Call Digital Bot Flow", Input, Next, &[], false, Documented),
    row("loopAnythingElse", &[], "Loop Anything Else", Input, Next, &[], false, Documented),
    row("dialByExtension", &[], "Dial by Extension", Input, Next, &["failure", "timeout"], false, Documented),
    row("callLexBot", &[], "Call Lex Bot", Input, Next, &["failure"], false, Inferred),
    row("callLexV2Bot", &[], "Call Lex V2 Bot", Input, Next, &["failure"], false, Inferred),
    row("callDialogflowBot", &[], "Call Dialogflow Bot", Input, Next, &["failure"], false, Inferred),
    row("callDialogflowCXBot", &[], "Call Dialogflow CX Bot", Input, Next, &["failure"], false, Inferred),
    // Ending the interaction, the flow or the task.
    row("disconnect", &["DisconnectAction"], "Disconnect", EndKind, End, &[], false, Documented),
    row("endWorkflow", &["EndWorkflowAction"], "End Workflow", EndKind, End, &[], false, RealFile),
    row("endTask", &["EndTaskAction"], "End Task", EndKind, End, &[], false, RealFile),
    row("exitBotFlow", &["ExitBotFlowAction"], "Exit Bot Flow", EndKind, End, &[], false, RealFile),
    row("exitWorkitemFlow", &["ExitWorkitemFlowAction"], "Exit Workitem Flow", EndKind, End, &[], false, RealFile),
    row("returnToAgent", &["ReturnToAgentAction"], "Return to Agent", EndKind, End, &[], false, Documented),
    // Hand-offs: success ends the flow, failure runs `failure` and continues.
    row("transferToAcd", &["TransferPureMatchAction", "TransferAcdAction"], "Transfer to ACD", EndKind, Handoff, FAILURE, false, Documented),
    row("transferToUser", &["TransferUserAction"], "Transfer to User", EndKind, Handoff, FAILURE, false, Documented),
    row("transferToGroup", &["TransferGroupAction"], "Transfer to Group", EndKind, Handoff, FAILURE, false, Documented),
    row("transferToNumber", &["TransferNumberAction"], "Transfer to Number", EndKind, Handoff, FAILURE, false, Documented),
    row("transferToVoicemail", &["TransferVoicemailAction"], "Transfer to Voicemail", EndKind, Handoff, FAILURE, false, Documented),
    row("transferToFlow", &["TransferFlowAction", "TransferToFlowAction"], "Transfer to Flow", EndKind, Handoff, FAILURE, false, Documented),
    row("transferToFlowSecure", &["TransferFlowSecureAction"], "Transfer to Secure Flow", EndKind, Handoff, FAILURE, false, Documented),
    // Branches and loops.
    row("decision", &["DecisionAction"], "Decision", Decision, Branch, &["yes", "no"], true, RealFile),
    row("switch", &["SwitchAction"], "Switch", Decision, Branch, &[], true, RealFile),
    row("loop", &["LoopAction"], "Loop", LoopKind, Loop, &["loop"], false, RealFile),
    row("loopUntil", &["LoopUntilAction"], "Loop Until", LoopKind, Loop, &["loop"], false, Documented),
    row("loopExit", &["ExitLoopAction"], "Exit Loop", PassThrough, LoopExit, &[], false, RealFile),
    row("loopNext", &["NextLoopAction"], "Next Loop", PassThrough, LoopNext, &[], false, RealFile),
    // Jumps and calls.
    row("jumpToMenu", &["TransferMenuAction"], "Jump to Menu", PassThrough, Jump, &[], false, RealFile),
    row("jumpToTask", &["TaskAction", "TransferTaskAction"], "Jump to Task", PassThrough, Jump, &[], false, Documented),
    row("callTask", &["CallTaskAction"], "Call Task", PassThrough, Call, &[], false, RealFile),
    row("changeState", &["ChangeStateAction"], "Change State", PassThrough, Jump, &[], false, Documented),
    // Work that continues with the next action.
    row("disconnectWorkitem", &["DisconnectWorkitemAction"], "Disconnect Workitem", PassThrough, Next, &["success", "failure"], false, Documented),
    row("terminateWorkitem", &[], "Terminate Workitem", PassThrough, Next, &["success", "failure"], false, Inferred),
    row("updateWorkitem", &[], "Update Workitem", PassThrough, Next, &["success", "failure"], false, Documented),
    row("playAudio", &["PlayAudioAction"], "Play Audio", PassThrough, Next, &[], false, RealFile),
    row("playEstimatedWaitTime", &["PlayEstimatedWaitTimeAction"], "Play Estimated Wait Time", PassThrough, Next, &[], false, RealFile),
    row("playAudioOnSilence", &[], "Play Audio on Silence", PassThrough, Next, &[], false, Inferred),
    row("detectSilence", &[], "Detect Silence", PassThrough, Next, &[], false, Inferred),
    row("holdMusic", &["HoldMusicAction"], "Hold Music", PassThrough, Next, &[], false, RealFile),
    row("wait", &["WaitAction"], "Wait", PassThrough, Next, &[], false, RealFile),
    row("callData", &["DataAction"], "Call Data Action", PassThrough, Next, &["success", "failure", "timeout"], true, Documented),
    row("callCommonModule", &["CallCommonModuleAction"], "Call Common Module", PassThrough, Next, &[], false, RealFile),
    row("dataTableLookup", &["DataTableLookupAction"], "Data Table Lookup", PassThrough, Next, &["found", "notFound", "failure"], true, Documented),
    row("findQueue", &["FindQueueAction"], "Find Queue", PassThrough, Next, FOUND, true, RealFile),
    row("findQueueById", &["FindQueueByIdAction"], "Find Queue by ID", PassThrough, Next, FOUND, true, RealFile),
    row("findUser", &["FindUserAction"], "Find User", PassThrough, Next, FOUND, true, Inferred),
    row("findUserById", &["FindUserByIdAction"], "Find User by ID", PassThrough, Next, FOUND, true, Inferred),
    row("findGroup", &["FindGroupAction"], "Find Group", PassThrough, Next, FOUND, true, Inferred),
    row("findSchedule", &["FindScheduleAction"], "Find Schedule", PassThrough, Next, FOUND, true, Inferred),
    row("findScheduleGroup", &["FindScheduleGroupAction"], "Find Schedule Group", PassThrough, Next, FOUND, true, Inferred),
    row("evaluateSchedule", &["EvaluateScheduleAction"], "Evaluate Schedule", PassThrough, Next, &["active", "inactive"], true, RealFile),
    row("evaluateScheduleGroup", &["EvaluateScheduleGroupAction"], "Evaluate Schedule Group", PassThrough, Next, &["open", "closed", "holiday", "emergency"], true, Documented),
    row("updateData", &["UpdateVariableAction", "UpdateDataAction"], "Update Data", PassThrough, Next, &[], false, RealFile),
    row("setParticipantData", &["SetAttributesAction"], "Set Participant Data", PassThrough, Next, &[], false, RealFile),
    row("getConversationData", &[], "Get Conversation Data", PassThrough, Next, FOUND, true, Documented),
    row("abortSurveyInvite", &[], "Abort Survey Invite", PassThrough, Next, &[], false, Inferred),
    row("completeSurveyInvite", &[], "Complete Survey Invite", PassThrough, Next, &[], false, Inferred),
    row("getParticipantData", &["GetAttributesAction"], "Get Participant Data", PassThrough, Next, &[], false, RealFile),
    row("setConversationData", &[], "Set Conversation Data", PassThrough, Next, &["success", "failure"], false, RealFile),
    row("setScreenPop", &["SetScreenPopAction"], "Set Screen Pop", PassThrough, Next, &[], false, RealFile),
    row("setExternalTag", &[], "Set External Tag", PassThrough, Next, &[], false, Inferred),
    row("setLanguage", &["SetLanguageAction"], "Set Language", PassThrough, Next, &[], false, Inferred),
    row("setWrapupCode", &["SetWrapupCodeAction"], "Set Wrap-up Code", PassThrough, Next, &[], false, Inferred),
    row("setUUIData", &[], "Set UUI Data", PassThrough, Next, &[], false, Inferred),
    row("sendResponse", &["SendResponseAction"], "Send Response", PassThrough, Next, &["success", "failure"], false, RealFile),
    row("sendAutoReply", &["SendAutoReplyAction"], "Send Auto Reply", PassThrough, Next, &["success", "failure"], false, RealFile),
    row("communicate", &[], "Communicate", PassThrough, Next, &[], false, RealFile),
    row("clearSlot", &[], "Clear Slot", PassThrough, Next, &[], false, RealFile),
    row("getExternalContact", &[], "Get External Contact", PassThrough, Next, &[], false, Inferred),
    row("getJourneyContext", &[], "Get Journey Context", PassThrough, Next, &[], false, Inferred),
];

/// What kind of reference to another flow an action holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowRefKind {
    /// Transfer to Flow: hands the call to an inbound call flow.
    TransferToFlow,
    /// Transfer to Secure Flow: hands the call to a secure call flow.
    TransferToSecureFlow,
    /// Call Common Module: runs a common module, which returns here.
    CallCommonModule,
    /// Call Bot Flow: runs a bot conversation, which returns here.
    CallBotFlow,
    /// Call Digital Bot Flow: runs a digital bot conversation, which returns here.
    CallDigitalBotFlow,
    /// Transfer to ACD with an in-queue flow of its own: the named in-queue flow handles the
    /// call while it waits.
    InQueueFlow,
}

impl FlowRefKind {
    /// The Archy action key the kind is named after (`transferToFlow`).
    pub fn as_str(self) -> &'static str {
        match self {
            FlowRefKind::TransferToFlow => "transferToFlow",
            FlowRefKind::TransferToSecureFlow => "transferToFlowSecure",
            FlowRefKind::CallCommonModule => "callCommonModule",
            FlowRefKind::CallBotFlow => "callBotFlow",
            FlowRefKind::CallDigitalBotFlow => "callDigitalBotFlow",
            FlowRefKind::InQueueFlow => "inQueueFlow",
        }
    }

    /// How Architect's palette names it, for messages.
    pub fn title(self) -> &'static str {
        match self {
            FlowRefKind::TransferToFlow => "Transfer to Flow",
            FlowRefKind::TransferToSecureFlow => "Transfer to Secure Flow",
            FlowRefKind::CallCommonModule => "Call Common Module",
            FlowRefKind::CallBotFlow => "Call Bot Flow",
            FlowRefKind::CallDigitalBotFlow => "Call Digital Bot Flow",
            FlowRefKind::InQueueFlow => "the in-queue flow of Transfer to ACD",
        }
    }

    /// The Platform API flow type (`GET /api/v2/flows?type=`) the target must have. Help
    /// Center: Transfer to Flow picks an "Inbound Call Flow", Transfer to Secure Flow a
    /// "Secure Call Flow", Call Common Module a common module; bot and in-queue kinds by
    /// their names (inferred, see docs/semantics.md).
    pub fn target_type(self) -> &'static str {
        match self {
            FlowRefKind::TransferToFlow => "inboundcall",
            FlowRefKind::TransferToSecureFlow => "securecall",
            FlowRefKind::CallCommonModule => "commonmodule",
            FlowRefKind::CallBotFlow => "bot",
            FlowRefKind::CallDigitalBotFlow => "digitalbot",
            FlowRefKind::InQueueFlow => "inqueuecall",
        }
    }

    /// Whether the reference hands the interaction off (this flow ends when it succeeds)
    /// rather than calling a flow that returns here.
    pub fn hands_off(self) -> bool {
        matches!(
            self,
            FlowRefKind::TransferToFlow
                | FlowRefKind::TransferToSecureFlow
                | FlowRefKind::InQueueFlow
        )
    }
}

/// Where an action names the flow it refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowField {
    /// Archy: `field:` holding `{lit: {name: X}}`, `{lit: X}`, `{name: X, id: Y}`, `X`, or
    /// a run-time `{exp: E}` / `{var: V}` (and `noValue: true` for none).
    Named(&'static str),
    /// Archy: `field: {<Name>: {ver_latestPublished: …}}`, the flow named by the key.
    Keyed(&'static str),
    /// Configuration JSON: the first of these members present, a string or `{text}`.
    Text(&'static [&'static str]),
    /// Configuration JSON Transfer to ACD: `inQueueFlowName` / `inQueueFlowId`, which the
    /// action uses only when `useDefaultHandling` is not true.
    InQueue,
    /// flowguard's flow JSON: `field` is the target's name.
    Plain(&'static str),
}

/// An action, menu choice or node type that names another flow.
#[derive(Clone, Copy, Debug)]
pub struct FlowReference {
    /// Archy action or choice keys, configuration JSON `__type` names, flow JSON types.
    pub types: &'static [&'static str],
    pub kind: FlowRefKind,
    pub field: FlowField,
    pub status: Status,
}

const fn flow_ref(
    types: &'static [&'static str],
    kind: FlowRefKind,
    field: FlowField,
    status: Status,
) -> FlowReference {
    FlowReference {
        types,
        kind,
        field,
        status,
    }
}

/// Every place a flow names another flow. Docs: `docs/semantics.md`, "Table E".
#[rustfmt::skip]
pub const FLOW_REFERENCES: &[FlowReference] = &[
    flow_ref(&["transferToFlow", "menuTransferToFlow"], FlowRefKind::TransferToFlow, FlowField::Named("targetFlow"), RealFile),
    flow_ref(&["transferToFlowSecure", "menuTransferToFlowSecure"], FlowRefKind::TransferToSecureFlow, FlowField::Named("targetFlow"), Inferred),
    flow_ref(&["callCommonModule"], FlowRefKind::CallCommonModule, FlowField::Keyed("commonModule"), RealFile),
    flow_ref(&["callBotFlow"], FlowRefKind::CallBotFlow, FlowField::Keyed("botFlow"), RealFile),
    flow_ref(&["callDigitalBotFlow"], FlowRefKind::CallDigitalBotFlow, FlowField::Keyed("digitalBotFlow"), Inferred),
    flow_ref(&["transferToAcd", "menuTransferToAcd"], FlowRefKind::InQueueFlow, FlowField::Named("overrideInQueueFlow"), RealFile),
    flow_ref(&["TransferFlowAction", "TransferToFlowAction"], FlowRefKind::TransferToFlow, FlowField::Text(&["flowName", "targetFlow"]), Inferred),
    flow_ref(&["TransferFlowSecureAction"], FlowRefKind::TransferToSecureFlow, FlowField::Text(&["flowName", "targetFlow"]), Inferred),
    flow_ref(&["CallCommonModuleAction"], FlowRefKind::CallCommonModule, FlowField::Text(&["flowName", "commonModule", "targetFlow"]), Inferred),
    flow_ref(&["CallBotFlowAction"], FlowRefKind::CallBotFlow, FlowField::Text(&["flowName", "botFlow", "targetFlow"]), RealFile),
    flow_ref(&["CallDigitalBotFlowAction"], FlowRefKind::CallDigitalBotFlow, FlowField::Text(&["flowName", "digitalBotFlow", "targetFlow"]), Inferred),
    flow_ref(&["TransferPureMatchAction", "TransferAcdAction"], FlowRefKind::InQueueFlow, FlowField::InQueue, RealFile),
    flow_ref(&["transfer_flow"], FlowRefKind::TransferToFlow, FlowField::Plain("flow"), Documented),
];

/// The row of a node type that names another flow.
pub fn flow_reference(type_name: &str) -> Option<&'static FlowReference> {
    FLOW_REFERENCES
        .iter()
        .find(|r| r.types.contains(&type_name))
}

/// One kind of menu choice.
#[derive(Clone, Copy, Debug)]
pub struct Choice {
    pub archy: &'static str,
    pub title: &'static str,
    pub kind: NodeKind,
    pub after: After,
    pub status: Status,
}

const fn choice(
    archy: &'static str,
    title: &'static str,
    kind: NodeKind,
    after: After,
    status: Status,
) -> Choice {
    Choice {
        archy,
        title,
        kind,
        after,
        status,
    }
}

/// Every menu choice flowguard knows. A transfer choice that fails repeats the menu
/// (Help Center, "Transfer to ACD action"); `menuRepeatMenu` / `menuPreviousMenu` wait for
/// the caller again.
#[rustfmt::skip]
pub const CHOICES: &[Choice] = &[
    choice("menuDisconnect", "Disconnect", EndKind, End, RealFile),
    choice("menuJumpToTask", "Jump to Task", PassThrough, Jump, RealFile),
    choice("menuJumpToMenu", "Jump to Menu", PassThrough, Jump, Inferred),
    choice("menuSubMenu", "Sub Menu", PassThrough, Jump, Documented),
    choice("menuTask", "Task", PassThrough, Next, RealFile),
    choice("menuRepeatMenu", "Repeat Menu", PassThrough, Jump, Inferred),
    choice("menuPreviousMenu", "Previous Menu", PassThrough, Jump, Inferred),
    choice("menuTransferToAcd", "Transfer to ACD", EndKind, Handoff, Documented),
    choice("menuTransferToUser", "Transfer to User", EndKind, Handoff, Inferred),
    choice("menuTransferToGroup", "Transfer to Group", EndKind, Handoff, Inferred),
    choice("menuTransferToNumber", "Transfer to Number", EndKind, Handoff, Inferred),
    choice("menuTransferToVoicemail", "Transfer to Voicemail", EndKind, Handoff, Inferred),
    choice("menuTransferToFlow", "Transfer to Flow", EndKind, Handoff, Inferred),
    choice("menuTransferToFlowSecure", "Transfer to Secure Flow", EndKind, Handoff, Inferred),
];

/// The row of an Archy action key.
pub fn archy_action(key: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.archy == key)
}

/// The row of a configuration JSON `__type`.
pub fn architect_action(type_name: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.architect.contains(&type_name))
}

/// The row of an Archy menu choice key.
pub fn archy_choice(key: &str) -> Option<&'static Choice> {
    CHOICES.iter().find(|c| c.archy == key)
}

/// How messages name an action or choice, in both Architect formats: `task "Main" › Play Audio "Sorry"`.
pub fn named(owner: &str, title: &str, name: Option<&str>) -> String {
    let mut out = String::with_capacity(owner.len() + title.len() + 16);
    if !owner.is_empty() {
        out.push_str(owner);
        out.push_str(" › ");
    }
    out.push_str(title);
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        out.push_str(" \"");
        out.push_str(n);
        out.push('"');
    }
    out
}

/// A camelCase key as words (`transferToAcd` → `Transfer To Acd`), for unknown actions.
pub fn title_of_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, ch) in key.chars().enumerate() {
        if i == 0 {
            // As `ch.to_uppercase()`, without std's upper-case table (see `crate::case`).
            crate::case::push_uppercase(&mut out, ch);
        } else {
            if ch.is_uppercase() {
                out.push(' ');
            }
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_types_are_unique() {
        let mut keys: Vec<&str> = ACTIONS.iter().map(|a| a.archy).collect();
        keys.extend(CHOICES.iter().map(|c| c.archy));
        let n = keys.len();
        crate::graph::order::sort(&mut keys);
        keys.dedup();
        assert_eq!(keys.len(), n, "an Archy key is listed twice");
        let mut types: Vec<&str> = ACTIONS
            .iter()
            .flat_map(|a| a.architect.iter().copied())
            .collect();
        let n = types.len();
        crate::graph::order::sort(&mut types);
        types.dedup();
        assert_eq!(types.len(), n, "a __type is listed twice");
    }

    #[test]
    fn kinds_agree_with_what_happens_after() {
        for a in ACTIONS {
            match a.after {
                End | Handoff => assert_eq!(a.kind, NodeKind::End, "{}", a.archy),
                Branch => assert_eq!(a.kind, NodeKind::Decision, "{}", a.archy),
                Loop => assert_eq!(a.kind, NodeKind::Loop, "{}", a.archy),
                _ => assert!(
                    matches!(a.kind, NodeKind::PassThrough | NodeKind::Input),
                    "{}",
                    a.archy
                ),
            }
            // Nothing that hands off or ends may claim exhaustive outputs.
            if matches!(a.after, End | Handoff) {
                assert!(!a.exhaustive, "{}", a.archy);
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(
            archy_action("transferToAcd").map(|a| a.after),
            Some(Handoff)
        );
        assert_eq!(
            architect_action("TransferPureMatchAction").map(|a| a.archy),
            Some("transferToAcd")
        );
        assert_eq!(
            archy_action("disconnectWorkitem").map(|a| a.after),
            Some(Next)
        );
        assert!(archy_action("nonsense").is_none());
        assert_eq!(
            archy_choice("menuTransferToAcd").map(|c| c.after),
            Some(Handoff)
        );
        assert_eq!(title_of_key("transferToAcd"), "Transfer To Acd");
        assert_eq!(title_of_key(""), "");
    }
}
