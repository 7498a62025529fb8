//! The default org: a Home division, routing queues and inbound-call flows
//! whose configurations are converted from Archy YAML (so YAML export jobs
//! have the source). Ids are fixed so tests elsewhere can name them.

use crate::archy;
use crate::clock::now_ms;
use crate::flows::{DivisionRef, FlowRecord, VersionKind};
use crate::operations::ClientRef;
use crate::queues::QueueRecord;

pub const HOME_DIVISION_ID: &str = "5b1a3e2f-0c4d-4e6a-9b8c-7d2e1f0a3b4c";
pub const HOME_DIVISION_NAME: &str = "Home";

pub const QUEUE_SALES_ID: &str = "7f3c9a10-0001-4b6e-9c2d-5a1e00000001";
pub const QUEUE_SUPPORT_ID: &str = "7f3c9a10-0002-4b6e-9c2d-5a1e00000002";
pub const QUEUE_BILLING_ID: &str = "7f3c9a10-0003-4b6e-9c2d-5a1e00000003";
pub const QUEUE_SPANISH_ID: &str = "7f3c9a10-0004-4b6e-9c2d-5a1e00000004";
pub const QUEUE_ENGLISH_ID: &str = "7f3c9a10-0005-4b6e-9c2d-5a1e00000005";
pub const QUEUE_VIP_ID: &str = "7f3c9a10-0006-4b6e-9c2d-5a1e00000006";

/// Menu (Sales / Support / Billing / Spanish) with a VIP decision; two
/// published versions, `"2.0"` current.
pub const FLOW_MAIN_IVR_ID: &str = "d1e5f0a2-0001-4c3b-8a7d-f10e00000001";
/// Transfers to the Spanish queue.
pub const FLOW_SPANISH_LINE_ID: &str = "d1e5f0a2-0002-4c3b-8a7d-f10e00000002";
/// Plays a message and disconnects.
pub const FLOW_AFTER_HOURS_ID: &str = "d1e5f0a2-0003-4c3b-8a7d-f10e00000003";
/// Two tasks jumping to each other forever: a routing loop with no exit.
pub const FLOW_LOOP_LINE_ID: &str = "d1e5f0a2-0004-4c3b-8a7d-f10e00000004";
/// Checked in but never published.
pub const FLOW_BILLING_LINE_ID: &str = "d1e5f0a2-0005-4c3b-8a7d-f10e00000005";

/// The client recorded as creator of seeded versions.
pub const SEED_CLIENT_ID: &str = "00000000-0000-4000-8000-0000000005ee";

/// A seeded routing queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedQueue {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub member_count: u32,
}

/// The seeded queues, all in the Home division.
pub fn seed_queues() -> Vec<SeedQueue> {
    let q = |id, name, description, member_count| SeedQueue {
        id,
        name,
        description,
        member_count,
    };
    vec![
        q(QUEUE_SALES_ID, "Sales", "New business", 12),
        q(QUEUE_SUPPORT_ID, "Support", "Technical support", 20),
        q(QUEUE_BILLING_ID, "Billing", "Invoices and payments", 6),
        q(QUEUE_SPANISH_ID, "Spanish", "Spanish-speaking agents", 4),
        q(QUEUE_ENGLISH_ID, "English", "English-speaking agents", 15),
        q(QUEUE_VIP_ID, "VIP", "Priority customers", 3),
    ]
}

/// A seeded flow: each YAML document is one version, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedFlow {
    pub id: &'static str,
    pub name: &'static str,
    /// Upper case, as in responses.
    pub flow_type: &'static str,
    pub description: &'static str,
    pub versions: Vec<&'static str>,
    /// Whether the last version is published (else only checked in).
    pub published: bool,
    /// Whether the flow contains a routing loop without exit.
    pub has_routing_loop: bool,
}

/// The seeded flows.
pub fn seed_flows() -> Vec<SeedFlow> {
    vec![
        SeedFlow {
            id: FLOW_MAIN_IVR_ID,
            name: "Main IVR",
            flow_type: "INBOUNDCALL",
            description: "Main number: routes to Sales, Support, Billing or Spanish",
            versions: vec![MAIN_IVR_V1, MAIN_IVR_V2],
            published: true,
            has_routing_loop: false,
        },
        SeedFlow {
            id: FLOW_SPANISH_LINE_ID,
            name: "Spanish Line",
            flow_type: "INBOUNDCALL",
            description: "Spanish number",
            versions: vec![SPANISH_LINE],
            published: true,
            has_routing_loop: false,
        },
        SeedFlow {
            id: FLOW_AFTER_HOURS_ID,
            name: "After Hours",
            flow_type: "INBOUNDCALL",
            description: "Closed message",
            versions: vec![AFTER_HOURS],
            published: true,
            has_routing_loop: false,
        },
        SeedFlow {
            id: FLOW_LOOP_LINE_ID,
            name: "Loop Line",
            flow_type: "INBOUNDCALL",
            description: "Broken flow: two tasks jump to each other forever",
            versions: vec![LOOP_LINE],
            published: true,
            has_routing_loop: true,
        },
        SeedFlow {
            id: FLOW_BILLING_LINE_ID,
            name: "Billing Line",
            flow_type: "INBOUNDCALL",
            description: "Draft billing number, never published",
            versions: vec![BILLING_LINE],
            published: false,
            has_routing_loop: false,
        },
    ]
}

/// Builds the seeded queues and flows.
pub(crate) fn build() -> Result<(Vec<QueueRecord>, Vec<FlowRecord>), String> {
    let division = DivisionRef {
        id: HOME_DIVISION_ID.into(),
        name: HOME_DIVISION_NAME.into(),
    };
    // Seeded objects look a day old.
    let created = now_ms() - 86_400_000;
    let queues: Vec<QueueRecord> = seed_queues()
        .into_iter()
        .map(|q| QueueRecord {
            id: q.id.into(),
            name: q.name.into(),
            description: q.description.into(),
            division: division.clone(),
            member_count: q.member_count,
            date_created: created,
        })
        .collect();
    let resolve = |name: &str| {
        queues
            .iter()
            .find(|q| q.name.eq_ignore_ascii_case(name))
            .map(|q| q.id.clone())
    };
    let seeder = ClientRef {
        id: SEED_CLIENT_ID.into(),
        name: "Seed".into(),
    };
    let mut flows = Vec::new();
    for sf in seed_flows() {
        let mut flow = FlowRecord::new(
            sf.id.into(),
            sf.name.into(),
            sf.flow_type.into(),
            division.clone(),
        );
        flow.description = Some(sf.description.into());
        let count = sf.versions.len();
        for (i, yaml) in sf.versions.iter().enumerate() {
            let imported = archy::convert(yaml, &resolve)
                .map_err(|e| format!("seed flow {}: {e:?}", sf.name))?;
            let at = created + i as i64 * 3_600_000;
            let vid = flow.push_version(
                VersionKind::Checkin,
                &seeder,
                imported.configuration,
                Some((*yaml).into()),
                at,
            );
            if sf.published || i + 1 < count {
                flow.apply_publish(&vid, &seeder.id, at);
            }
        }
        flows.push(flow);
    }
    Ok((queues, flows))
}

const MAIN_IVR_V1: &str = r#"inboundCall:
  name: Main IVR
  description: Main number
  startUpRef: "/inboundCall/menus/menu[Main Menu_10]"
  defaultLanguage: en-us
  initialGreeting:
    tts: Welcome.
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_10
        audio:
          tts: Press 1 for sales, 2 for support, 9 to hang up.
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuTransferToAcd:
              name: Support
              dtmf: digit_2
              targetQueue:
                lit:
                  name: Support
          - menuDisconnect:
              name: Hang up
              dtmf: digit_9
"#;

const MAIN_IVR_V2: &str = r#"inboundCall:
  name: Main IVR
  description: Main number
  startUpRef: "/inboundCall/menus/menu[Main Menu_10]"
  defaultLanguage: en-us
  initialGreeting:
    tts: Welcome.
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_10
        audio:
          tts: Press 1 for sales, 2 for support, 3 for billing, 4 for Spanish, 9 to hang up.
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuJumpToTask:
              name: Support
              dtmf: digit_2
              targetTaskRef: "/inboundCall/tasks/task[Support Task_20]"
          - menuTransferToAcd:
              name: Billing
              dtmf: digit_3
              targetQueue:
                lit:
                  name: Billing
          - menuTransferToAcd:
              name: Spanish
              dtmf: digit_4
              targetQueue:
                lit:
                  name: Spanish
          - menuDisconnect:
              name: Hang up
              dtmf: digit_9
  tasks:
    - task:
        name: Support Task
        refId: Support Task_20
        actions:
          - decision:
              name: Is VIP
              condition:
                exp: Call.Ani == "tel:+15550100"
              outputs:
                yes:
                  actions:
                    - transferToAcd:
                        name: Transfer to VIP
                        targetQueue:
                          lit:
                            name: VIP
                no:
                  actions:
                    - transferToAcd:
                        name: Transfer to Support
                        targetQueue:
                          lit:
                            name: Support
                        outputs:
                          failure:
                            actions:
                              - playAudio:
                                  name: Sorry
                                  audio:
                                    tts: Sorry, nobody is available.
          - disconnect:
              name: Disconnect
"#;

const SPANISH_LINE: &str = r#"inboundCall:
  name: Spanish Line
  description: Spanish number
  startUpRef: "/inboundCall/tasks/task[Start_1]"
  defaultLanguage: es-us
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - playAudio:
              name: Bienvenida
              audio:
                tts: Bienvenido.
          - transferToAcd:
              name: Transfer to Spanish
              targetQueue:
                lit:
                  name: Spanish
          - disconnect:
              name: Disconnect
"#;

const AFTER_HOURS: &str = r#"inboundCall:
  name: After Hours
  description: Closed message
  startUpRef: "/inboundCall/tasks/task[Closed_1]"
  defaultLanguage: en-us
  tasks:
    - task:
        name: Closed
        refId: Closed_1
        actions:
          - playAudio:
              name: Closed message
              audio:
                tts: We are closed. Please call again during business hours.
          - disconnect:
              name: Disconnect
"#;

const LOOP_LINE: &str = r#"inboundCall:
  name: Loop Line
  description: Broken flow
  startUpRef: "/inboundCall/tasks/task[Ping_1]"
  defaultLanguage: en-us
  tasks:
    - task:
        name: Ping
        refId: Ping_1
        actions:
          - playAudio:
              name: Hold on
              audio:
                tts: Please hold.
          - jumpToTask:
              name: To Pong
              targetTaskRef: "/inboundCall/tasks/task[Pong_2]"
    - task:
        name: Pong
        refId: Pong_2
        actions:
          - playAudio:
              name: Still holding
              audio:
                tts: Still holding.
          - jumpToTask:
              name: To Ping
              targetTaskRef: "/inboundCall/tasks/task[Ping_1]"
"#;

const BILLING_LINE: &str = r#"inboundCall:
  name: Billing Line
  description: Draft billing number
  startUpRef: "/inboundCall/tasks/task[Start_1]"
  defaultLanguage: en-us
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToAcd:
              name: Transfer to Billing
              targetQueue:
                lit:
                  name: Billing
          - disconnect:
              name: Disconnect
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_builds() {
        let (queues, flows) = build().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(queues.len(), 6);
        assert_eq!(flows.len(), 5);
        let main = flows
            .iter()
            .find(|f| f.id == FLOW_MAIN_IVR_ID)
            .expect("main");
        assert_eq!(main.published.as_deref(), Some("2.0"));
        assert_eq!(main.versions.len(), 2);
        let billing = flows
            .iter()
            .find(|f| f.id == FLOW_BILLING_LINE_ID)
            .expect("billing");
        assert!(billing.published.is_none());
        assert_eq!(billing.checked_in.as_deref(), Some("1.0"));
        let lp = flows
            .iter()
            .find(|f| f.id == FLOW_LOOP_LINE_ID)
            .expect("loop");
        let items = lp.versions[0].configuration["flowSequenceItemList"]
            .as_array()
            .expect("items");
        let ping = &items[0];
        let pong = &items[1];
        let jump = |task: &serde_json::Value| {
            task["actionList"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["__type"] == "JumpToTaskAction"))
                .map(|a| a["taskReference"].clone())
        };
        assert_eq!(jump(ping), Some(pong["id"].clone()));
        assert_eq!(jump(pong), Some(ping["id"].clone()));
    }
}
