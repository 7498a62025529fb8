//! Concrete values and the reference evaluation of expressions on one input. The cell
//! analysis evaluates atoms through this, and the certificate's boundary check evaluates
//! whole conditions with it.

use super::expr::{CmpOp, Expr, Literal, format_number, quote_string};

/// A run-time value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    NotSet,
    Num(f64),
    Str(String),
    Bool(bool),
}

impl Value {
    pub fn from_literal(l: &Literal) -> Value {
        match l {
            Literal::Str(s) => Value::Str(s.clone()),
            Literal::Num(n) => Value::Num(*n),
            Literal::Bool(b) => Value::Bool(*b),
            Literal::NotSet => Value::NotSet,
        }
    }

    /// How the value is written in an expression (`"es"`, `5`, `true`, `NOT_SET`); used in
    /// witnesses.
    pub fn display(&self) -> String {
        match self {
            Value::NotSet => "NOT_SET".into(),
            Value::Num(n) => format_number(*n),
            Value::Str(s) => quote_string(s),
            Value::Bool(b) => b.to_string(),
        }
    }
}

/// Compares two values. Model (see `docs/expressions.md`): NOT_SET equals only NOT_SET;
/// values of different types are unequal; ordering holds only between two numbers or two
/// strings, and is false whenever NOT_SET is involved.
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    let eq = match (a, b) {
        (Value::NotSet, Value::NotSet) => true,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    };
    let ord = match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(y),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => None,
    };
    use std::cmp::Ordering::*;
    match op {
        CmpOp::Eq => eq,
        CmpOp::Ne => !eq,
        CmpOp::Lt => ord == Some(Less),
        CmpOp::Le => matches!(ord, Some(Less | Equal)),
        CmpOp::Gt => ord == Some(Greater),
        CmpOp::Ge => matches!(ord, Some(Greater | Equal)),
    }
}

/// An input: variables by name, and opaque terms (function calls, arithmetic) by their
/// canonical text. Anything missing is NOT_SET.
///
/// A vector sorted by name rather than a `BTreeMap`: the same lookups and order, without
/// one more copy of the B-tree code in the wasm package.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Input {
    entries: Vec<(String, Value)>,
}

impl Input {
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    /// Sets `name` to `value`, returning the value it replaces.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        match self.find(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (name, value));
                None
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    /// The entries, by name ascending.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The `IsSet`-family functions flowguard understands: name to the test on the value.
pub fn set_test(name: &str) -> Option<fn(&Value) -> bool> {
    match name.to_ascii_lowercase().as_str() {
        "isset" => Some(|v| *v != Value::NotSet),
        "isnotset" => Some(|v| *v == Value::NotSet),
        "isnotsetorempty" => {
            Some(|v| matches!(v, Value::NotSet) || *v == Value::Str(String::new()))
        }
        _ => None,
    }
}

/// The value of a value-position expression.
fn value_of(e: &Expr, input: &Input) -> Value {
    match e {
        Expr::Lit(l) => Value::from_literal(l),
        Expr::Var(v) => input.get(v).cloned().unwrap_or(Value::NotSet),
        Expr::Call { name, args } if args.len() == 1 && set_test(name).is_some() => {
            Value::Bool(truth(e, input))
        }
        Expr::Cmp { .. } | Expr::Not(_) | Expr::And(_) | Expr::Or(_) => {
            Value::Bool(truth(e, input))
        }
        // Opaque terms take whatever value the input gives them.
        other => input
            .get(&other.to_string())
            .cloned()
            .unwrap_or(Value::NotSet),
    }
}

/// Whether a condition is true on `input`. Recursion is bounded by the expression's nesting.
pub fn truth(e: &Expr, input: &Input) -> bool {
    match e {
        Expr::Lit(l) => *l == Literal::Bool(true),
        Expr::Cmp { op, left, right } => {
            compare(*op, &value_of(left, input), &value_of(right, input))
        }
        Expr::Not(inner) => !truth(inner, input),
        Expr::And(es) => es.iter().all(|e| truth(e, input)),
        Expr::Or(es) => es.iter().any(|e| truth(e, input)),
        Expr::Call { name, args } if args.len() == 1 => match set_test(name) {
            Some(test) => test(&value_of(&args[0], input)),
            None => value_of(e, input) == Value::Bool(true),
        },
        other => value_of(other, input) == Value::Bool(true),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decision::expr::parse_expression;

    #[test]
    fn not_set_semantics() {
        let e = parse_expression("x < 5 or not x >= 5").unwrap();
        assert!(truth(&e, &Input::new()));
        let e = parse_expression("x == NOT_SET and not IsSet(x) and IsNotSetOrEmpty(x)").unwrap();
        assert!(truth(&e, &Input::new()));
        let mut i = Input::new();
        i.insert("x".into(), Value::Str("".into()));
        let e = parse_expression("IsNotSetOrEmpty(x) and IsSet(x) and x != 1").unwrap();
        assert!(truth(&e, &i));
    }
}
