//! `model::NodeLocations` (node places with the parent's pointer kept between nodes) gives
//! exactly `model::node_location` for every node of every example and fixture document,
//! in every format, whatever order the nodes are asked in.
#![allow(clippy::unwrap_used)]
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests

use std::path::{Path, PathBuf};

use flowguard_core::model::{NodeLocations, node_location};
use flowguard_core::{InputFormat, formats};

fn documents(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            documents(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x, "json" | "yaml" | "yml"))
        {
            out.push(p);
        }
    }
}

#[test]
fn node_locations_equal_node_location() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    documents(&root.join("../examples"), &mut paths);
    documents(&root.join("tests/fixtures"), &mut paths);
    paths.sort();
    let mut nodes_seen = 0;
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let flow = formats::read(&text, InputFormat::Auto).flow;
        let n = flow.nodes.len();
        // Document order, reversed, and strided: the kept parent is hit, missed and
        // replaced (Architect documents hold nodes in several objects).
        let orders: [Vec<usize>; 3] = [
            (0..n).collect(),
            (0..n).rev().collect(),
            (0..n).step_by(3).chain((0..n).skip(1).step_by(2)).collect(),
        ];
        for order in orders {
            let mut locations = NodeLocations::new(&flow);
            for i in order {
                let node = &flow.nodes[i];
                assert_eq!(
                    locations.of(node),
                    node_location(&flow, node),
                    "{} node {i}",
                    path.display()
                );
                nodes_seen += 1;
            }
        }
    }
    assert!(nodes_seen > 1000, "{nodes_seen} nodes checked");
}
