//! The style sheets: NL Design System's components and tokens (the npm packages
//! `@utrecht/component-library-css` and `@utrecht/design-tokens`, pinned in `make tools`) and
//! the few rules of our own, all served by the hub: no page asks anything of another host.

use std::path::Path;
use std::sync::Arc;

/// The files of the npm packages the pages use, under the packages' folder.
const PACKAGES: [(&str, &str); 2] = [
    (
        "utrecht-tokens.css",
        "@utrecht/design-tokens/dist/index.css",
    ),
    (
        "utrecht-components.css",
        "@utrecht/component-library-css/dist/index.css",
    ),
];

/// Our own rules: layout and the few things the components leave to the page.
const OWN: &str = include_str!("../static/rondom.css");

/// The style sheets, read once at start.
#[derive(Debug)]
pub struct Assets {
    files: Vec<(&'static str, Arc<str>)>,
}

impl Assets {
    /// Reads the design system's files under `packages`; one that is missing is named in the
    /// log and the pages go without it (they stay usable: plain HTML in order).
    pub fn load(packages: &Path) -> Self {
        let mut files = vec![("rondom.css", Arc::from(OWN))];
        for (name, relative) in PACKAGES {
            let path = packages.join(relative);
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push((name, Arc::from(text))),
                Err(err) => tracing::warn!(
                    path = %path.display(),
                    error = %err,
                    "an NL Design System style sheet is missing (make tools installs it); the pages go without it"
                ),
            }
        }
        Self { files }
    }

    /// The style sheets a page links to, in order.
    pub fn sheets(&self) -> impl Iterator<Item = &'static str> + '_ {
        // The design system first, our own last: ours may refine it.
        self.files
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| *name != "rondom.css")
            .chain(std::iter::once("rondom.css"))
    }

    /// The style sheet `name`, if the hub serves one by that name.
    pub(crate) fn get(&self, name: &str) -> Option<Arc<str>> {
        self.files
            .iter()
            .find(|(own, _)| *own == name)
            .map(|(_, text)| text.clone())
    }
}
