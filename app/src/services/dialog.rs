//! Browser dialogs.

/// Asks the user to confirm; true when they accept.
pub fn confirm(message: &str) -> bool {
    super::window()
        .confirm_with_message(message)
        .unwrap_or(false)
}
