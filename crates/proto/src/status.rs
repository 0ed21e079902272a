//! Domain errors as gRPC statuses, with `google.rpc` details a client can decode.

use rondom_domain::InvalidInput;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Returns `INVALID_ARGUMENT` with one `BadRequest` field violation per violated field.
pub fn invalid_argument(input: &InvalidInput) -> Status {
    let mut details = ErrorDetails::new();
    for violation in input.violations() {
        details.add_bad_request_violation(violation.field.clone(), violation.description.clone());
    }
    Status::with_error_details(Code::InvalidArgument, input.to_string(), details)
}

/// Returns `NOT_FOUND` naming the kind of resource and its id, with a `ResourceInfo` detail.
pub fn not_found(resource_type: &str, resource_name: &str) -> Status {
    let details =
        ErrorDetails::with_resource_info(resource_type, resource_name, "", "no such resource");
    Status::with_error_details(
        Code::NotFound,
        format!("{resource_type} {resource_name} not found"),
        details,
    )
}

/// Returns `UNAVAILABLE` with a retry hint: the caller may retry the same request.
pub fn unavailable(message: impl Into<String>) -> Status {
    let details = ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(1)));
    Status::with_error_details(Code::Unavailable, message, details)
}

/// Returns `ABORTED` for a write based on a stale view, with an `ErrorInfo` detail carrying
/// the position the resource is at now, so the client can read it again and retry.
pub fn aborted(message: impl Into<String>, current_position: u64) -> Status {
    let details = ErrorDetails::with_error_info(
        "STALE_POSITION",
        "rondom.nl",
        [("current_position".to_owned(), current_position.to_string())],
    );
    Status::with_error_details(Code::Aborted, message, details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_violations_survive_the_status() {
        let input = InvalidInput::new(vec![
            rondom_domain::FieldViolation::new("persons[0].bsn", "the BSN fails the 11-proef"),
            rondom_domain::FieldViolation::new("kind", "unknown signal kind"),
        ]);
        let status = invalid_argument(&input);
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad_request = status.get_details_bad_request().expect("BadRequest detail");
        let fields: Vec<&str> = bad_request
            .field_violations
            .iter()
            .map(|violation| violation.field.as_str())
            .collect();
        assert_eq!(fields, ["persons[0].bsn", "kind"]);
    }
}
