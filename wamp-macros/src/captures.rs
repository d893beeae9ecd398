//! URI captures in a handler's name: `user.{id}.get` is a template whose
//! `{id}` is one whole URI component, registered as the wildcard pattern
//! `user..get` and handed to the parameter `id: Capture<T>`.
//!
//! Only the template's text is read here; what it must agree with (the
//! parameters, the match policy) is checked in `handler`.

/// One component of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Component {
    Fixed(String),
    Capture(String),
}

/// A name read as a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    components: Vec<Component>,
}

impl Template {
    /// Reads `name`; the error says what is wrong with which placeholder.
    pub(crate) fn parse(name: &str) -> Result<Template, String> {
        let mut components = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for part in name.split('.') {
            if !part.contains(['{', '}']) {
                components.push(Component::Fixed(part.to_owned()));
                continue;
            }
            let inner = part
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
                .filter(|inner| !inner.contains(['{', '}']))
                .ok_or_else(|| {
                    format!(
                        "`{part}` is not a capture: a capture is a whole URI component, \
                         `{{name}}` between dots, e.g. `user.{{id}}.get`"
                    )
                })?;
            if inner.is_empty() {
                return Err(
                    "`{}` captures nothing: name the parameter that takes the component, e.g. `{id}`".to_owned(),
                );
            }
            if !is_identifier(inner) {
                return Err(format!(
                    "`{{{inner}}}` is not a capture: between the braces goes the name of the \
                     `Capture` parameter that takes the component, a Rust identifier"
                ));
            }
            if seen.contains(&inner) {
                return Err(format!(
                    "the capture `{{{inner}}}` appears twice: each capture is one parameter, so each name once"
                ));
            }
            seen.push(inner);
            components.push(Component::Capture(inner.to_owned()));
        }
        if let [Component::Capture(only)] = components.as_slice() {
            return Err(format!(
                "the name cannot be only the capture `{{{only}}}`: nothing of it would be registered \
                 after the prefixes; add a fixed component, e.g. `item.{{{only}}}`"
            ));
        }
        Ok(Template { components })
    }

    /// The name registered: an empty component in each placeholder's place.
    pub(crate) fn registered(&self) -> String {
        self.components
            .iter()
            .map(|component| match component {
                Component::Fixed(text) => text.as_str(),
                Component::Capture(_) => "",
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The captures' names, in the order of the name.
    pub(crate) fn captures(&self) -> impl Iterator<Item = &str> {
        self.components.iter().filter_map(|component| match component {
            Component::Capture(name) => Some(name.as_str()),
            Component::Fixed(_) => None,
        })
    }

    pub(crate) fn has_captures(&self) -> bool {
        self.captures().next().is_some()
    }
}

/// A name as Rust writes an identifier (keywords included: `{type}` is
/// taken by a parameter `r#type`); `_` alone names nothing.
fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    let starts = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    starts && text != "_" && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(name: &str) -> String {
        Template::parse(name).expect("a valid template").registered()
    }

    fn error(name: &str) -> String {
        Template::parse(name).expect_err("an invalid template")
    }

    #[test]
    fn each_capture_becomes_an_empty_component() {
        assert_eq!(registered("user.{id}.get"), "user..get");
        assert_eq!(registered("{a}.x.{b}"), ".x.");
        assert_eq!(registered("plain.name"), "plain.name");
        assert_eq!(registered("already..wild"), "already..wild");
        let template = Template::parse("{a}.x.{b}").expect("valid");
        assert_eq!(template.captures().collect::<Vec<_>>(), ["a", "b"]);
        assert!(template.has_captures());
        assert!(!Template::parse("x.y").expect("valid").has_captures());
    }

    #[test]
    fn a_capture_is_a_whole_component_with_a_name() {
        assert!(error("user.x{id}.get").contains("`x{id}` is not a capture"));
        assert!(error("user.{id}x").contains("`{id}x` is not a capture"));
        assert!(error("user.{id").contains("`{id` is not a capture"));
        assert!(error("user.id}").contains("`id}` is not a capture"));
        assert!(error("user.{{id}}").contains("`{{id}}` is not a capture"));
        assert!(error("user.{}").contains("`{}` captures nothing"));
        assert!(error("user.{a b}").contains("`{a b}` is not a capture"));
        assert!(error("user.{1st}").contains("`{1st}` is not a capture"));
        assert!(error("user.{_}").contains("`{_}` is not a capture"));
        assert!(Template::parse("user.{r_2}.{_x}.{type}").is_ok());
    }

    #[test]
    fn a_capture_name_is_used_once_and_not_alone() {
        assert!(error("{id}.x.{id}").contains("`{id}` appears twice"));
        assert!(error("{id}").contains("cannot be only the capture `{id}`"));
    }
}
