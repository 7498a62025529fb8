//! `flowguard validate` as a linter teams live with: whole trees (directories, globs,
//! .gitignore), flowguard.toml (discovery and every key), suppression comments, baselines,
//! and the CI formats (SARIF against the official schema, GitHub workflow commands,
//! concise lines).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowguard"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(o), stderr(o)))
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn copy_example(dir: &Path, example: &str, rel: &str) {
    let text = std::fs::read_to_string(examples().join(example)).unwrap();
    write(dir, rel, &text);
}

/// The codes reported per file, as `path: CODE CODE …` lines (concise output).
fn codes(o: &Output) -> Vec<(String, String)> {
    stdout(o)
        .lines()
        .filter_map(|l| {
            let (place, rest) = l.split_once(": ")?;
            let path = place.split(':').next()?.to_owned();
            Some((path, rest.split(' ').next()?.to_owned()))
        })
        .collect()
}

/// A small tree: flows in folders, a non-flow JSON and YAML, an ignored folder.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_example(d, "defect-routing-loop.json", "flows/b/loop.json");
    copy_example(d, "main-ivr.json", "flows/a/main.json");
    copy_example(d, "archy/dangling-reference.yaml", "flows/a/support.yaml");
    copy_example(d, "defect-dead-end.json", "flows/generated/dead.json");
    write(d, "flows/package.json", r#"{"name": "not-a-flow"}"#);
    write(d, "flows/ci.yml", "jobs:\n  build: {}\n");
    write(d, "flows/notes.txt", "nodes");
    write(d, ".gitignore", "generated/\n");
    dir
}

#[test]
fn directories_are_walked_in_order_honouring_gitignore() {
    let dir = tree();
    let o = run_in(dir.path(), &["validate", "--format", "json", "flows"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let paths: Vec<String> = json(&o)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "flows/a/main.json",
            "flows/a/support.yaml",
            "flows/b/loop.json"
        ]
    );
    // The same order every time, whatever the threads do.
    for _ in 0..3 {
        let again = run_in(dir.path(), &["validate", "--format", "concise", "flows"]);
        let first = run_in(dir.path(), &["validate", "--format", "concise", "flows"]);
        assert_eq!(stdout(&again), stdout(&first));
    }
    // A file named explicitly is checked even when ignored.
    let o = run_in(
        dir.path(),
        &[
            "validate",
            "--format",
            "concise",
            "flows/generated/dead.json",
        ],
    );
    assert!(stdout(&o).contains("FG013"), "{}", stdout(&o));
    // .flowguardignore works like .gitignore.
    write(dir.path(), "flows/.flowguardignore", "b/\n");
    let o = run_in(dir.path(), &["validate", "--format", "json", "flows"]);
    assert_eq!(json(&o)["files"].as_array().unwrap().len(), 2);
    // An empty directory is an error, not a silent success.
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let o = run_in(dir.path(), &["validate", "empty"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no flow files"), "{}", stderr(&o));
}

#[test]
fn globs_expand() {
    let dir = tree();
    let o = run_in(
        dir.path(),
        &["validate", "--format", "json", "flows/**/*.yaml"],
    );
    let files = json(&o)["files"].as_array().unwrap().clone();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], "flows/a/support.yaml");
    let o = run_in(dir.path(), &["validate", "flows/*/nothing-*.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no flow files match"));
}

#[test]
fn concise_and_github_formats() {
    let dir = tree();
    let o = run_in(
        dir.path(),
        &["validate", "--format", "concise", "flows/b/loop.json"],
    );
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.starts_with("flows/b/loop.json:10:5: FG020 routing loop")),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(1));

    let o = run_in(dir.path(), &["validate", "--format", "github", "flows"]);
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.contains("FG020"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with(
            "::error file=flows/b/loop.json,line=10,col=5,endLine=10,endColumn=16,title=FG020 routing-loop::routing loop"
        ),
        "{line}"
    );
    assert!(line.contains("%0Ahelp: break the cycle"), "{line}");
    // Warnings are warnings; every line is one command.
    assert!(
        out.lines()
            .any(|l| l.starts_with("::warning file=flows/a/support.yaml"))
    );
    assert!(out.lines().all(|l| l.starts_with("::")));
    // An unreadable file is an error annotation too.
    let o = run_in(
        dir.path(),
        &["validate", "--format", "github", "missing.json"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stdout(&o),
        "::error file=missing.json,title=flowguard::missing.json: no such file\n"
    );
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0-rtm.5.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::draft4::options().build(&schema).unwrap()
}

#[test]
fn sarif_matches_the_official_schema() {
    let dir = tree();
    write(dir.path(), "flows/broken.json", "{\"nodes\": {,}");
    let o = run_in(
        dir.path(),
        &["validate", "--format", "sarif", "flows", "missing.json"],
    );
    assert_eq!(o.status.code(), Some(2));
    let log = json(&o);
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Something wrong is caught by the schema too (the test is not vacuous).
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad));

    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "FG020"
        && r["name"] == "routing-loop"
        && r["defaultConfiguration"]["level"] == "error"
        && !r["help"]["text"].as_str().unwrap().is_empty()));
    let results = run["results"].as_array().unwrap();
    let lp = results.iter().find(|r| r["ruleId"] == "FG020").unwrap();
    assert_eq!(
        lp["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "flows/b/loop.json"
    );
    assert_eq!(
        lp["locations"][0]["physicalLocation"]["region"]["startLine"],
        10
    );
    assert_eq!(
        rules[lp["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "FG020"
    );
    // Loop members are related locations.
    assert!(lp["relatedLocations"].as_array().unwrap().len() >= 2);
    // Fingerprints are stable across runs and do not depend on lines.
    let fp = lp["partialFingerprints"]["flowguard/v1"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = std::fs::read_to_string(dir.path().join("flows/b/loop.json")).unwrap();
    std::fs::write(dir.path().join("flows/b/loop.json"), format!("\n\n{text}")).unwrap();
    let again = json(&run_in(
        dir.path(),
        &["validate", "--format", "sarif", "flows/b/loop.json"],
    ));
    let lp2 = again["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "FG020")
        .unwrap()
        .clone();
    assert_eq!(lp2["partialFingerprints"]["flowguard/v1"], fp.as_str());
    assert_eq!(
        lp2["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
    // The unreadable file is a notification, and the run says it did not fully succeed.
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(
        inv["toolExecutionNotifications"].as_array().unwrap().len(),
        1
    );
}

/// An Archy flow with a reachable and an unreachable task and one suppression of each form.
const SUPPRESSED: &str = r#"inboundCall:
  name: Suppressed
  startUpRef: ./tasks/task[Main_1]
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - transferToAcd:
              name: Transfer
              targetQueue:
                lit:
                  name: Support
    # flowguard: ignore[FG012] kept for the spring campaign
    - task:
        name: Legacy
        refId: Legacy_2
        actions:
          - disconnect:
              name: Bye
    - task: # flowguard: ignore[FG012, FG013]
        name: Old
        refId: Old_3
        actions:
          - disconnect:
              name: Bye
    - task:
        name: Older
        refId: Older_4
        actions:
          - disconnect:
              name: Bye
"#;

#[test]
fn suppression_comments_both_forms_and_the_unused_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flow.yaml", SUPPRESSED);
    let o = run_in(dir.path(), &["validate", "--format", "json", "flow.yaml"]);
    let diags = json(&o)["files"][0]["diagnostics"].clone();
    let list: Vec<(String, Option<String>)> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["node"].as_str().map(str::to_owned),
            )
        })
        .collect();
    // Legacy (line above) and Old (same line) are silenced; Older is not.
    assert!(
        list.contains(&("FG012".into(), Some("task:Older_4".into()))),
        "{list:?}"
    );
    assert!(!list.iter().any(|(c, n)| {
        c == "FG012"
            && n.as_deref()
                .is_some_and(|n| n.starts_with("task:Legacy") || n.starts_with("task:Old_"))
    }));
    // FG013 on Old silences nothing: reported, at the code in the comment.
    let unused: Vec<&Value> = diags
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "FG060")
        .collect();
    assert_eq!(unused.len(), 1, "{diags:#}");
    assert_eq!(unused[0]["severity"], "warning");
    assert!(unused[0]["message"].as_str().unwrap().contains("FG013"));
    assert_eq!(unused[0]["span"]["line"], 26);

    // An unknown code is reported with a suggestion.
    write(
        dir.path(),
        "flow.yaml",
        &SUPPRESSED.replace("ignore[FG012] kept", "ignore[FG12] kept"),
    );
    let o = run_in(
        dir.path(),
        &["validate", "--format", "concise", "flow.yaml"],
    );
    let out = stdout(&o);
    assert!(
        out.contains(
            "FG060 `FG12` in this suppression is not a flowguard code; did you mean `FG012`?"
        ),
        "{out}"
    );
    // And the finding it meant to silence is back.
    assert!(out.contains("FG012 task \"Legacy\""), "{out}");
}

#[test]
fn configuration_is_discovered_and_every_key_works() {
    let dir = tree();
    let d = dir.path();
    // Without configuration: the loop (FG020, FG021) and the Archy defects.
    let base = codes(&run_in(d, &["validate", "--format", "concise", "flows"]));
    assert!(base.contains(&("flows/b/loop.json".into(), "FG020".into())));
    assert!(base.contains(&("flows/a/support.yaml".into(), "FG012".into())));

    write(
        d,
        "flowguard.toml",
        r#"
[validate]
ignore = ["FG021"]
severity = { FG020 = "warning", FG012 = "off", FG011 = "info" }

[validate.per-file-ignores]
"flows/a/*.yaml" = ["FG013"]

[validate.per-node-ignores]
"jump_*" = ["FG020"]
"#,
    );
    let o = run_in(d, &["validate", "--format", "json", "flows"]);
    let report = json(&o);
    let all: Vec<(String, String, String, Option<String>)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let path = f["path"].as_str().unwrap().to_owned();
            f["diagnostics"].as_array().unwrap().iter().map(move |d| {
                (
                    path.clone(),
                    d["code"].as_str().unwrap().to_owned(),
                    d["severity"].as_str().unwrap().to_owned(),
                    d["node"].as_str().map(str::to_owned),
                )
            })
        })
        .collect();
    assert!(!all.iter().any(|x| x.1 == "FG021"), "ignore: {all:?}");
    assert!(!all.iter().any(|x| x.1 == "FG012"), "off: {all:?}");
    assert!(!all.iter().any(|x| x.1 == "FG013"), "per-file: {all:?}");
    assert!(
        all.iter().any(|x| x.1 == "FG011" && x.2 == "info"),
        "severity: {all:?}"
    );
    let loops: Vec<_> = all.iter().filter(|x| x.1 == "FG020").collect();
    assert!(
        !loops.is_empty() && loops.iter().all(|x| x.2 == "warning"),
        "{all:?}"
    );
    // No error left: exit 0.
    assert_eq!(o.status.code(), Some(0), "{all:?}");

    // per-node-ignores: the loop is reported at `apologize`; a pattern naming it silences it.
    write(
        d,
        "flowguard.toml",
        "[validate.per-node-ignores]\n\"apolog*\" = [\"FG020\", \"FG021\"]\n",
    );
    let c = codes(&run_in(
        d,
        &["validate", "--format", "concise", "flows/b/loop.json"],
    ));
    assert!(!c.iter().any(|x| x.1 == "FG020" || x.1 == "FG021"), "{c:?}");

    // The nearest configuration wins: one in flows/b applies there only.
    write(d, "flowguard.toml", "[validate]\nignore = [\"FG011\"]\n");
    write(
        d,
        "flows/b/flowguard.toml",
        "[validate]\nignore = [\"FG020\"]\n",
    );
    let c = codes(&run_in(d, &["validate", "--format", "concise", "flows"]));
    assert!(!c.iter().any(|x| x.1 == "FG020"), "{c:?}");
    assert!(!c.iter().any(|x| x.1 == "FG011"), "{c:?}");
    assert!(
        c.contains(&("flows/b/loop.json".into(), "FG021".into())),
        "{c:?}"
    );
    // Discovery starts at the file, not at the working directory.
    let c = codes(&run_in(
        &d.join("flows/a"),
        &["validate", "--format", "concise", "support.yaml"],
    ));
    assert!(!c.iter().any(|x| x.1 == "FG011"), "{c:?}");
    // --isolated ignores them all; --config names one for every file.
    let c = codes(&run_in(
        d,
        &["validate", "--isolated", "--format", "concise", "flows"],
    ));
    assert!(c.iter().any(|x| x.1 == "FG020") && c.iter().any(|x| x.1 == "FG011"));
    write(d, "other.toml", "[validate]\nignore = [\"FG021\"]\n");
    let c = codes(&run_in(
        d,
        &[
            "validate",
            "--config",
            "other.toml",
            "--format",
            "concise",
            "flows",
        ],
    ));
    assert!(c.iter().any(|x| x.1 == "FG020") && c.iter().any(|x| x.1 == "FG011"));
    assert!(!c.iter().any(|x| x.1 == "FG021"), "{c:?}");
    std::fs::remove_file(d.join("flows/b/flowguard.toml")).unwrap();

    // max-depth (the command line wins) and queues.
    copy_example(d, "defect-too-deep.json", "deep/deep.json");
    let deep = |args: &[&str]| {
        let mut a = vec!["validate", "--format", "concise"];
        a.extend_from_slice(args);
        a.push("deep/deep.json");
        codes(&run_in(d, &a))
    };
    assert!(deep(&[]).iter().any(|x| x.1 == "FG030"));
    write(d, "deep/flowguard.toml", "[validate]\nmax-depth = 100\n");
    assert!(!deep(&[]).iter().any(|x| x.1 == "FG030"));
    assert!(deep(&["--max-depth", "3"]).iter().any(|x| x.1 == "FG030"));
    write(
        d,
        "flows/a/flowguard.toml",
        "[validate]\nqueues = [\"Nothing\"]\n",
    );
    let c = codes(&run_in(
        d,
        &["validate", "--format", "concise", "flows/a/main.json"],
    ));
    assert!(c.iter().any(|x| x.1 == "FG050"), "{c:?}");
}

#[test]
fn configuration_mistakes_are_errors_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_example(d, "main-ivr.json", "main.json");
    for (toml, expected) in [
        (
            "[validate]\nignor = [\"FG012\"]\n",
            "did you mean `ignore`?",
        ),
        (
            "[validate]\nignore = [\"FG0122\"]\n",
            "is not a flowguard code",
        ),
        (
            "[validate]\nignore = [\"unreachable-nodes\"]\n",
            "did you mean `unreachable-node`?",
        ),
        (
            "[validate]\nseverity = { FG030 = \"fatal\" }\n",
            "\"error\", \"warning\", \"info\", \"off\"",
        ),
        ("[validat]\n", "did you mean `validate`?"),
        (
            "[validate.per-node-ignore]\n",
            "did you mean `per-node-ignores`?",
        ),
        ("[validate]\nmax-depth = -1\n", "positive whole number"),
        ("[validate\n", "not valid TOML"),
    ] {
        write(d, "flowguard.toml", toml);
        let o = run_in(d, &["validate", "main.json"]);
        assert_eq!(o.status.code(), Some(2), "{toml}");
        assert!(stderr(&o).contains(expected), "{toml}: {}", stderr(&o));
        assert!(stderr(&o).contains("flowguard.toml"), "{}", stderr(&o));
    }
}

#[test]
fn baselines_survive_edits_elsewhere() {
    let dir = tree();
    let d = dir.path();
    let o = run_in(
        d,
        &[
            "validate",
            "--write-baseline",
            "flowguard-baseline.json",
            "flows",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("recorded"), "{}", stderr(&o));
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("flowguard-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["version"], 1);
    assert!(
        baseline["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "FG020"
                && e["file"] == "flows/b/loop.json"
                && e["node"] == "apologize")
    );
    // Nothing new: clean, exit 0.
    let o = run_in(
        d,
        &[
            "validate",
            "--baseline",
            "flowguard-baseline.json",
            "--format",
            "concise",
            "flows",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
    // Lines move (a comment and blank lines above everything): still nothing new.
    let p = d.join("flows/a/support.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("# moved\n\n\n{text}")).unwrap();
    let o = run_in(
        d,
        &[
            "validate",
            "--baseline",
            "flowguard-baseline.json",
            "--format",
            "concise",
            "flows",
        ],
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(o.status.code(), Some(0));
    // From another directory, the same baseline still matches.
    let o = run_in(
        &d.join("flows"),
        &[
            "validate",
            "--baseline",
            "../flowguard-baseline.json",
            "--format",
            "concise",
            ".",
        ],
    );
    assert_eq!(stdout(&o), "", "{}", stderr(&o));
    // A new finding is reported, and only it.
    copy_example(d, "defect-dead-end.json", "flows/b/dead.json");
    let o = run_in(
        d,
        &[
            "validate",
            "--baseline",
            "flowguard-baseline.json",
            "--format",
            "concise",
            "flows",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let c = codes(&o);
    assert!(
        !c.is_empty() && c.iter().all(|x| x.0 == "flows/b/dead.json"),
        "{c:?}"
    );
    // A second copy of a recorded finding is new too.
    copy_example(d, "defect-routing-loop.json", "flows/b/loop2.json");
    let c = codes(&run_in(
        d,
        &[
            "validate",
            "--baseline",
            "flowguard-baseline.json",
            "--format",
            "concise",
            "flows/b",
        ],
    ));
    assert!(
        c.contains(&("flows/b/loop2.json".into(), "FG020".into())),
        "{c:?}"
    );
    assert!(!c.iter().any(|x| x.0 == "flows/b/loop.json"), "{c:?}");
    // A broken baseline is a usage error.
    write(d, "bad.json", "{}");
    let o = run_in(d, &["validate", "--baseline", "bad.json", "flows"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a flowguard baseline"));
}

#[test]
fn rules_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.lines().any(|l| l.starts_with("FG020  routing-loop")),
        "{out}"
    );
    assert_eq!(out.lines().count(), flowguard_core::Code::ALL.len());
    let o = run_in(dir.path(), &["rules", "--format", "json"]);
    let rules = json(&o);
    assert_eq!(
        rules.as_array().unwrap().len(),
        flowguard_core::Code::ALL.len()
    );
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["why"].as_str().unwrap().is_empty()
                && !r["triggers"]["text"].as_str().unwrap().is_empty())
    );
    // The Markdown is docs/codes.md.
    let o = run_in(dir.path(), &["rules", "--format", "markdown"]);
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/codes.md"))
            .unwrap();
    let out = stdout(&o);
    let first_difference = out.lines().zip(doc.lines()).find(|(a, b)| a != b);
    assert!(
        out == doc,
        "`flowguard rules --format markdown` differs from docs/codes.md (regenerate it: \
         FLOWGUARD_BLESS=1 cargo test -p flowguard-core --test docs_codes): {first_difference:?}"
    );
    let o = run_in(dir.path(), &["explain", "FG007"]);
    assert!(stdout(&o).contains("retired"), "{}", stdout(&o));
    let o = run_in(dir.path(), &["explain", "FG060"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("## FG060 unused-suppression"),
        "{}",
        stdout(&o)
    );
    let o = run_in(dir.path(), &["explain", "routing-loop"]);
    assert!(stdout(&o).starts_with("## FG020 routing-loop"));
    let o = run_in(dir.path(), &["explain", "FG02"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a flowguard code"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_configuration_schema_knows_every_code_and_accepts_the_documented_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("schemas/flowguard.toml.schema.json")).unwrap(),
    )
    .unwrap();
    let codes: Vec<&str> = schema["definitions"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in flowguard_core::Code::ALL {
        assert!(
            codes.contains(&c.code()) && codes.contains(&c.name()),
            "{}",
            c.code()
        );
    }
    assert_eq!(codes.len(), 2 * flowguard_core::Code::ALL.len());
    let keys: Vec<&String> = schema["properties"]["validate"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys.len(), flowguard_core::settings::KEYS.len());
    let validator = jsonschema::draft7::options().build(&schema).unwrap();
    // The example of docs/cli.md.
    let doc = std::fs::read_to_string(root.join("docs/cli.md")).unwrap();
    let start = doc.find("```toml\n[validate]").unwrap() + "```toml\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let value: toml::Table = toml::from_str(example).unwrap();
    let value = serde_json::to_value(value).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // And flowguard reads it.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flowguard.toml", example);
    copy_example(dir.path(), "main-ivr.json", "main.json");
    let o = run_in(dir.path(), &["validate", "main.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o)); // queues: FG050
    assert!(stdout(&o).contains("FG050"));
    // The schema refuses what flowguard refuses.
    let bad = serde_json::json!({"validate": {"ignor": ["FG012"]}});
    assert!(!validator.is_valid(&bad));
    let bad = serde_json::json!({"validate": {"severity": {"FG030": "fatal"}}});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn exports_in_a_tree_are_found_and_ci_formats_give_no_region_for_them() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(examples().join("architect/dangling-reference.json")).unwrap();
    write(
        dir.path(),
        "flows/Support.i3InboundFlow",
        &base64::engine::general_purpose::STANDARD.encode(text),
    );
    // Walked by extension; positions are in the decoded JSON.
    let o = run_in(dir.path(), &["validate", "--format", "concise", "flows"]);
    assert!(
        stdout(&o).starts_with("flows/Support.i3InboundFlow:"),
        "{}",
        stdout(&o)
    );
    // GitHub and SARIF do not point at lines of the file on disk.
    let o = run_in(dir.path(), &["validate", "--format", "github", "flows"]);
    let out = stdout(&o);
    assert!(!out.is_empty() && !out.contains("line="), "{out}");
    assert!(out.contains("in the decoded export"), "{out}");
    let log = json(&run_in(
        dir.path(),
        &["validate", "--format", "sarif", "flows"],
    ));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(
            r["locations"][0]["physicalLocation"]
                .get("region")
                .is_none(),
            "{r}"
        );
    }
    assert!(sarif_validator().is_valid(&log));
}
