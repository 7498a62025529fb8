//! The finite input space of a decision: every variable's values are split into cells on
//! which every comparison in the decision is constant, so evaluating each condition once per
//! combination of cells decides every question about the decision exactly.
//!
//! Cells of a variable compared with literals: NOT_SET; `true`/`false` when it is used as a
//! boolean; for numbers each literal and the open intervals below, between and above them;
//! for strings each literal and "any other string". What the model cannot see into (function
//! calls, collection and property access, arithmetic, power, bitwise and unary operators,
//! variable-to-variable comparisons, comparisons of comparisons, string ordering, case
//! variants of the same string) becomes an *opaque* dimension. Answers about "every input"
//! quantify over opaque dimensions too (a superset of what is possible, so such claims are
//! sound); answers that an input *exists* must hold for every value of every opaque dimension
//! and use only cells that surely hold a real value (see `docs/flattening.md`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::bits::Bits;
use super::eval::{Value, compare, set_test};
use super::expr::{CmpOp, Expr, Literal};
use crate::case::{eq_ignore_case, to_lowercase};

/// A condition compiled against a [`SpaceBuilder`]'s atoms. Depth is bounded by the
/// expression's nesting.
#[derive(Clone, Debug)]
pub enum Formula {
    Const(bool),
    Atom(u32),
    Not(Box<Formula>),
    And(Vec<Formula>),
    Or(Vec<Formula>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum DimKind {
    /// A dotted variable: exact.
    Var,
    /// A function call or arithmetic used as a value: opaque.
    Term,
    /// A boolean nobody can see into: opaque.
    Free,
}

#[derive(Clone, Debug)]
struct DimBuilder {
    name: String,
    kind: DimKind,
    nums: Vec<f64>,
    strs: Vec<String>,
    bools: bool,
}

#[derive(Clone, Debug)]
struct AtomDef {
    dim: u32,
    /// `None` for a free boolean (true on its `true` cell).
    test: Option<(CmpOp, Value)>,
}

/// Collects the atoms of a set of conditions.
#[derive(Clone, Debug, Default)]
pub struct SpaceBuilder {
    dims: Vec<DimBuilder>,
    dim_index: ListIndex<(DimKind, String)>,
    atoms: Vec<AtomDef>,
    atom_index: ListIndex<(u32, String)>,
}

/// Finds an item of a list by a scan while the list is short (no map keys to build, the
/// usual case: a decision names a handful of variables) and through a map once it has
/// outgrown [`ListIndex::SMALL`], so decisions with very many variables stay linear.
#[derive(Clone, Debug)]
struct ListIndex<K> {
    map: rustc_hash::FxHashMap<K, u32>,
}

impl<K> Default for ListIndex<K> {
    fn default() -> Self {
        ListIndex {
            map: Default::default(),
        }
    }
}

impl<K: std::hash::Hash + Eq> ListIndex<K> {
    const SMALL: usize = 16;

    /// The position of the item `matches` accepts (`key` is its map key).
    fn find<T>(
        &self,
        items: &[T],
        matches: impl FnMut(&T) -> bool,
        key: impl FnOnce() -> K,
    ) -> Option<u32> {
        if items.len() <= Self::SMALL {
            items.iter().position(matches).map(|i| i as u32)
        } else {
            self.map.get(&key()).copied()
        }
    }

    /// Records the item just pushed onto `items` (all of them when the list first
    /// outgrows the scan).
    fn pushed<T>(&mut self, items: &[T], key_of: impl Fn(&T) -> K) {
        if items.len() <= Self::SMALL {
            return;
        }
        if self.map.is_empty() {
            for (i, item) in items.iter().enumerate() {
                self.map.insert(key_of(item), i as u32);
            }
        } else if let Some(item) = items.last() {
            self.map.insert(key_of(item), (items.len() - 1) as u32);
        }
    }
}

/// One cell of a dimension: its representative value and whether some real input surely
/// takes it (a witness may only use such cells).
#[derive(Clone, Debug)]
pub struct Cell {
    pub value: Value,
    pub certain: bool,
    /// Stands for "some value" rather than for its representative (a variable only tested
    /// against NOT_SET).
    any_value: bool,
}

impl Cell {
    /// How a witness shows it (made only for the few cells a witness names).
    pub fn shown(&self) -> String {
        if self.any_value {
            "(any value)".into()
        } else {
            self.value.display()
        }
    }
}

#[derive(Clone, Debug)]
pub struct Dim {
    pub name: String,
    pub exact: bool,
    pub cells: Vec<Cell>,
}

/// The enumerated input space. Combination index = exact part * `opaque_total` + opaque
/// part, so "for every opaque value" is a contiguous block.
#[derive(Clone, Debug)]
pub struct Space {
    pub dims: Vec<Dim>,
    strides: Vec<usize>,
    pub total: usize,
    pub exact_total: usize,
    pub opaque_total: usize,
    atom_bits: Vec<Bits>,
}

/// One side of a comparison, classified.
enum ComparisonSide<'e> {
    Lit(Value),
    Dim(DimKind, Cow<'e, str>),
    Other,
}

fn operand(e: &Expr) -> ComparisonSide<'_> {
    match e {
        Expr::Lit(l) => ComparisonSide::Lit(Value::from_literal(l)),
        Expr::Var(v) => ComparisonSide::Dim(DimKind::Var, Cow::Borrowed(v)),
        e if e.is_opaque_term() => ComparisonSide::Dim(DimKind::Term, Cow::Owned(e.to_string())),
        _ => ComparisonSide::Other,
    }
}

/// The map key of an atom: its dimension and test, literal as written.
fn atom_key(dim: u32, test: &Option<(CmpOp, Value)>) -> (u32, String) {
    let shown = match test {
        Some((op, v)) => format!("{}{}", op.as_str(), v.display()),
        None => String::new(),
    };
    (dim, shown)
}

impl SpaceBuilder {
    /// Up to this many variables, names that differ only in case are found by comparing
    /// pairs; beyond it by counting folded names in a map.
    const SMALL: usize = 16;

    pub fn new() -> Self {
        Self::default()
    }

    fn dim(&mut self, kind: DimKind, name: &str) -> u32 {
        let found = self.dim_index.find(
            &self.dims,
            |b| b.kind == kind && b.name == name,
            || (kind, name.to_owned()),
        );
        if let Some(d) = found {
            return d;
        }
        let d = self.dims.len() as u32;
        self.dims.push(DimBuilder {
            name: name.to_owned(),
            kind,
            nums: Vec::new(),
            strs: Vec::new(),
            bools: false,
        });
        self.dim_index
            .pushed(&self.dims, |b| (b.kind, b.name.clone()));
        d
    }

    /// The atom testing `test` on `dim` (the same test, the same atom).
    fn atom(&mut self, dim: u32, test: Option<(CmpOp, Value)>) -> Formula {
        let found = self.atom_index.find(
            &self.atoms,
            |a| a.dim == dim && a.test == test,
            || atom_key(dim, &test),
        );
        if let Some(a) = found {
            return Formula::Atom(a);
        }
        let a = self.atoms.len() as u32;
        self.atoms.push(AtomDef { dim, test });
        self.atom_index
            .pushed(&self.atoms, |def| atom_key(def.dim, &def.test));
        Formula::Atom(a)
    }

    /// A boolean nobody can see into, keyed by `key` (same key, same atom).
    pub fn free(&mut self, key: &str) -> Formula {
        let dim = self.dim(DimKind::Free, key);
        self.atom(dim, None)
    }

    fn cmp_atom(&mut self, kind: DimKind, name: &str, op: CmpOp, lit: Value) -> Formula {
        let dim = self.dim(kind, name);
        let b = &mut self.dims[dim as usize];
        match &lit {
            Value::Num(n) => b.nums.push(*n),
            Value::Str(s) => b.strs.push(s.clone()),
            Value::Bool(_) => b.bools = true,
            Value::NotSet => {}
        }
        self.atom(dim, Some((op, lit)))
    }

    /// Compiles a parsed condition.
    pub fn compile(&mut self, e: &Expr) -> Formula {
        match e {
            Expr::Lit(Literal::Bool(b)) => Formula::Const(*b),
            Expr::Lit(_) => Formula::Const(false),
            Expr::Var(v) => self.cmp_atom(DimKind::Var, v, CmpOp::Eq, Value::Bool(true)),
            Expr::Not(inner) => Formula::Not(Box::new(self.compile(inner))),
            Expr::And(es) => Formula::And(es.iter().map(|e| self.compile(e)).collect()),
            Expr::Or(es) => Formula::Or(es.iter().map(|e| self.compile(e)).collect()),
            Expr::Call { name, args } if args.len() == 1 && set_test(name).is_some() => {
                let lower = name.to_ascii_lowercase();
                match operand(&args[0]) {
                    ComparisonSide::Lit(v) => Formula::Const(set_test(name).is_some_and(|t| t(&v))),
                    ComparisonSide::Dim(kind, dim) => match lower.as_str() {
                        "isset" => self.cmp_atom(kind, &dim, CmpOp::Ne, Value::NotSet),
                        "isnotset" => self.cmp_atom(kind, &dim, CmpOp::Eq, Value::NotSet),
                        _ => Formula::Or(vec![
                            self.cmp_atom(kind, &dim, CmpOp::Eq, Value::NotSet),
                            self.cmp_atom(kind, &dim, CmpOp::Eq, Value::Str(String::new())),
                        ]),
                    },
                    ComparisonSide::Other => self.free(&e.to_string()),
                }
            }
            Expr::Cmp { op, left, right } => match (operand(left), operand(right)) {
                (ComparisonSide::Lit(a), ComparisonSide::Lit(b)) => {
                    Formula::Const(compare(*op, &a, &b))
                }
                (ComparisonSide::Dim(kind, name), ComparisonSide::Lit(v)) => {
                    self.dim_cmp(kind, &name, *op, v, e)
                }
                (ComparisonSide::Lit(v), ComparisonSide::Dim(kind, name)) => {
                    self.dim_cmp(kind, &name, op.flip(), v, e)
                }
                _ => self.free(&e.to_string()),
            },
            // Other calls and opaque terms (collection items, properties, `&`, `|`, ...)
            // used as conditions: true when they yield `true`.
            Expr::Call { .. }
            | Expr::Index { .. }
            | Expr::Member { .. }
            | Expr::Arith { .. }
            | Expr::Unary { .. } => {
                self.cmp_atom(DimKind::Term, &e.to_string(), CmpOp::Eq, Value::Bool(true))
            }
        }
    }

    fn dim_cmp(&mut self, kind: DimKind, name: &str, op: CmpOp, v: Value, e: &Expr) -> Formula {
        // String ordering depends on collation rules flowguard does not model.
        if op.is_ordering() && matches!(v, Value::Str(_)) {
            return self.free(&e.to_string());
        }
        self.cmp_atom(kind, name, op, v)
    }

    /// Builds the space, or `None` when it has more than `cap` combinations.
    pub fn finish(mut self, cap: usize) -> Option<Space> {
        // Strings that differ only in case: flowguard does not know whether Architect compares
        // them with or without case, so every comparison on such a variable becomes opaque.
        for d in 0..self.dims.len() {
            let b = &mut self.dims[d];
            crate::graph::order::sort(&mut b.strs);
            b.strs.dedup();
            let ambiguous = b.strs.len() > 1 && {
                let mut folded: Vec<String> = b.strs.iter().map(|s| to_lowercase(s)).collect();
                crate::graph::order::sort(&mut folded);
                folded.windows(2).any(|w| w[0] == w[1])
            };
            if ambiguous {
                let name = b.name.clone();
                for a in 0..self.atoms.len() {
                    if self.atoms[a].dim as usize == d
                        && let Some((op, v)) = self.atoms[a].test.clone()
                    {
                        let key = format!("case:{name} {} {}", op.as_str(), v.display());
                        let nd = self.dim(DimKind::Free, &key);
                        self.atoms[a] = AtomDef {
                            dim: nd,
                            test: None,
                        };
                    }
                }
            }
        }
        // Variable names that differ only in case might be one variable: keep them out of
        // witnesses.
        let var_count = self.dims.iter().filter(|b| b.kind == DimKind::Var).count();
        // Few variables: compare pairwise (ASCII names without folded copies); many: count
        // folded names in a map, so the pass stays linear.
        let mut by_fold: rustc_hash::FxHashMap<String, usize> = Default::default();
        if var_count > Self::SMALL {
            for b in self.dims.iter().filter(|b| b.kind == DimKind::Var) {
                *by_fold.entry(to_lowercase(&b.name)).or_default() += 1;
            }
        }
        let used: Vec<bool> = {
            let mut u = vec![false; self.dims.len()];
            for a in &self.atoms {
                u[a.dim as usize] = true;
            }
            u
        };
        // Exact dimensions first (largest strides), opaque ones last.
        let mut order: Vec<usize> = (0..self.dims.len()).filter(|&d| used[d]).collect();
        // Exact: a variable no other variable's name equals ignoring case.
        let exact = |b: &DimBuilder| {
            b.kind == DimKind::Var
                && if var_count > Self::SMALL {
                    by_fold.get(&to_lowercase(&b.name)).copied() == Some(1)
                } else {
                    self.dims
                        .iter()
                        .filter(|o| o.kind == DimKind::Var && eq_ignore_case(&o.name, &b.name))
                        .count()
                        == 1
                }
        };
        let is_exact: Vec<bool> = self.dims.iter().map(exact).collect();
        crate::graph::order::sort_by(&mut order, |&a, &b| {
            let (da, db) = (&self.dims[a], &self.dims[b]);
            (!is_exact[a], da.kind, &da.name).cmp(&(!is_exact[b], db.kind, &db.name))
        });
        let mut new_index = vec![u32::MAX; self.dims.len()];
        let mut dims = Vec::with_capacity(order.len());
        for (i, &d) in order.iter().enumerate() {
            new_index[d] = i as u32;
            // The builder is consumed: its name and literals move into the space.
            let b = &mut self.dims[d];
            dims.push(Dim {
                name: std::mem::take(&mut b.name),
                exact: is_exact[d],
                cells: cells(b),
            });
        }
        let mut total: usize = 1;
        let mut exact_total: usize = 1;
        for d in &dims {
            total = total.checked_mul(d.cells.len())?;
            if d.exact {
                exact_total *= d.cells.len();
            }
            if total > cap {
                return None;
            }
        }
        let mut strides = vec![1usize; dims.len()];
        for i in (0..dims.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * dims[i + 1].cells.len();
        }
        let mut atom_bits = Vec::with_capacity(self.atoms.len());
        // The atom's truth per cell of its dimension (one buffer for all atoms).
        let mut table: Vec<bool> = Vec::new();
        for a in &self.atoms {
            let d = new_index[a.dim as usize] as usize;
            let dim = &dims[d];
            table.clear();
            table.extend(dim.cells.iter().enumerate().map(|(ci, c)| match &a.test {
                None => ci == 1,
                Some((op, v)) => compare(*op, &c.value, v),
            }));
            let mut bits = Bits::zeros(total);
            let (stride, radix) = (strides[d], dim.cells.len());
            for k in 0..total {
                if table[(k / stride) % radix] {
                    bits.set(k);
                }
            }
            atom_bits.push(bits);
        }
        Some(Space {
            dims,
            strides,
            total,
            exact_total,
            opaque_total: total / exact_total.max(1),
            atom_bits,
        })
    }
}

/// The cells of a variable compared with `lit` alone (as [`SpaceBuilder::finish`] makes
/// them), for the short path of `super::independent`.
pub(super) fn var_cells(lit: &Value) -> Vec<Cell> {
    let mut b = DimBuilder {
        name: String::new(),
        kind: DimKind::Var,
        nums: Vec::new(),
        strs: Vec::new(),
        bools: false,
    };
    match lit {
        Value::Num(n) => b.nums.push(*n),
        Value::Str(s) => b.strs.push(s.clone()),
        Value::Bool(_) => b.bools = true,
        Value::NotSet => {}
    }
    cells(&mut b)
}

/// The cells of one dimension (its literals move into them).
fn cells(b: &mut DimBuilder) -> Vec<Cell> {
    let cell = |value: Value, certain: bool| Cell {
        value,
        certain,
        any_value: false,
    };
    if b.kind == DimKind::Free {
        return vec![
            cell(Value::Bool(false), false),
            cell(Value::Bool(true), false),
        ];
    }
    let mut out = vec![cell(Value::NotSet, true)];
    let mut nums = std::mem::take(&mut b.nums);
    crate::graph::order::sort_by(&mut nums, f64::total_cmp);
    nums.dedup();
    let types =
        usize::from(b.bools) + usize::from(!nums.is_empty()) + usize::from(!b.strs.is_empty());
    // A variable has one type in Architect; with several, flowguard cannot tell which cells are real.
    let typed = types <= 1;
    if b.bools {
        out.push(cell(Value::Bool(true), typed));
        out.push(cell(Value::Bool(false), typed));
    }
    if let (Some(&lo), Some(&hi)) = (nums.first(), nums.last()) {
        out.push(cell(Value::Num(lo.floor() - 1.0), typed));
        for (i, &n) in nums.iter().enumerate() {
            // A fractional literal may be impossible for an Integer variable.
            out.push(cell(Value::Num(n), typed && n.fract() == 0.0));
            if let Some(&next) = nums.get(i + 1) {
                let k = n.floor() + 1.0;
                if k < next {
                    out.push(cell(Value::Num(k), typed));
                } else {
                    let mid = n + (next - n) / 2.0;
                    if mid > n && mid < next {
                        out.push(cell(Value::Num(mid), false));
                    }
                }
            }
        }
        out.push(cell(Value::Num(hi.ceil() + 1.0), typed));
    }
    if !b.strs.is_empty() {
        let mut other = String::from("other");
        let mut n = 0;
        // `other` is lowercase ASCII: ASCII strings compare without folding a copy.
        let clashes = |other: &str| {
            b.strs.iter().any(|s| {
                if s.is_ascii() {
                    s.eq_ignore_ascii_case(other)
                } else {
                    to_lowercase(s) == other
                }
            })
        };
        while clashes(&other) {
            n += 1;
            other = format!("other{n}");
        }
        for s in std::mem::take(&mut b.strs) {
            out.push(cell(Value::Str(s), typed));
        }
        out.push(cell(Value::Str(other), typed));
    }
    if out.len() == 1 {
        // Only NOT_SET tests: one cell stands for "has some value".
        out.push(Cell {
            value: Value::Str("(set)".into()),
            certain: true,
            any_value: true,
        });
    }
    out
}

impl Space {
    /// The region where `f` is true. Recursion is bounded by the formula's depth.
    pub fn eval(&self, f: &Formula) -> Bits {
        match f {
            Formula::Const(true) => Bits::ones(self.total),
            Formula::Const(false) => Bits::zeros(self.total),
            Formula::Atom(a) => self
                .atom_bits
                .get(*a as usize)
                .cloned()
                .unwrap_or_else(|| Bits::zeros(self.total)),
            Formula::Not(inner) => self.eval(inner).not(),
            Formula::And(fs) => fs
                .iter()
                .fold(Bits::ones(self.total), |acc, f| acc.and(&self.eval(f))),
            Formula::Or(fs) => fs
                .iter()
                .fold(Bits::zeros(self.total), |acc, f| acc.or(&self.eval(f))),
        }
    }

    pub fn all(&self) -> Bits {
        Bits::ones(self.total)
    }

    fn digit(&self, combo: usize, d: usize) -> usize {
        let radix = self.dims[d].cells.len().max(1);
        (combo / self.strides[d]) % radix
    }

    /// An input that lies in `set` whatever the opaque dimensions are, using only cells real
    /// inputs surely take: variable name to value as it would be written.
    pub fn witness(&self, set: &Bits) -> Option<BTreeMap<String, String>> {
        let ot = self.opaque_total.max(1);
        (0..self.exact_total).find_map(|e| {
            let base = e * ot;
            let certain = self
                .dims
                .iter()
                .enumerate()
                .filter(|(_, d)| d.exact)
                .all(|(i, d)| d.cells[self.digit(base, i)].certain);
            (certain && set.all_in(base, base + ot)).then(|| self.describe_exact(base))
        })
    }

    /// The exact variables' values in combination `combo`.
    pub fn describe_exact(&self, combo: usize) -> BTreeMap<String, String> {
        // Inserted one by one: `collect` into a B-tree sorts first, one more sort compiled
        // into the wasm package.
        let mut out = BTreeMap::new();
        for (i, d) in self.dims.iter().enumerate().filter(|(_, d)| d.exact) {
            out.insert(d.name.clone(), d.cells[self.digit(combo, i)].shown());
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decision::expr::parse_expression;

    fn space(exprs: &[&str]) -> (Space, Vec<Bits>) {
        let mut b = SpaceBuilder::new();
        let fs: Vec<Formula> = exprs
            .iter()
            .map(|e| b.compile(&parse_expression(e).unwrap()))
            .collect();
        let s = b.finish(1 << 16).unwrap();
        let bits = fs.iter().map(|f| s.eval(f)).collect();
        (s, bits)
    }

    #[test]
    fn numeric_cells_are_exact() {
        let (s, b) = space(&["x > 3", "x >= 3 and x <= 3", "x < 3"]);
        // NOT_SET, below, 3, above.
        assert_eq!(s.total, 4);
        let union = b[0].or(&b[1]).or(&b[2]);
        assert_eq!(union.count(), 3);
        let w = s.witness(&union.not()).unwrap();
        assert_eq!(w.get("x").map(String::as_str), Some("NOT_SET"));
    }

    #[test]
    fn opaque_atoms_block_witnesses() {
        let (s, b) = space(&["Contains(Call.Ani, \"1\") and x == 1"]);
        assert!(s.witness(&b[0]).is_none());
        assert!(s.witness(&b[0].not()).is_some());
    }

    #[test]
    fn atoms_are_shared_past_the_scan_limit() {
        // More variables and atoms than ListIndex scans: the map path must find them too.
        let mut b = SpaceBuilder::new();
        let atom = |b: &mut SpaceBuilder, e: &str| match b.compile(&parse_expression(e).unwrap()) {
            Formula::Atom(a) => a,
            f => panic!("{e}: {f:?}"),
        };
        let first: Vec<u32> = (0..40)
            .map(|i| atom(&mut b, &format!("v{i} == 1")))
            .collect();
        assert_eq!(first, (0..40).collect::<Vec<u32>>());
        for i in [0, 5, 16, 17, 39] {
            assert_eq!(atom(&mut b, &format!("v{i} == 1")), i);
        }
        assert_eq!(atom(&mut b, "v3 == 2"), 40);
        assert_eq!(b.dims.len(), 40);
    }

    #[test]
    fn case_variants_are_opaque() {
        let (s, b) = space(&["x == \"es\"", "x == \"ES\""]);
        assert!(!b[0].and(&b[1]).is_empty());
        assert!(s.witness(&b[0]).is_none());
    }
}
