//! The paths a job may name as artifacts: relative to its work tree, never climbing out of it.

use crate::{CoreError, CoreResult};

/// More artifact paths than this is a glob gone wrong.
const MAX_ARTIFACT_PATHS: usize = 32;

/// The artifact paths, cleaned (`./` dropped), or what is wrong with them.
pub(crate) fn check_artifact_paths(paths: &[String]) -> CoreResult<Vec<String>> {
    if paths.len() > MAX_ARTIFACT_PATHS {
        return Err(CoreError::Invalid(format!(
            "at most {MAX_ARTIFACT_PATHS} --artifact paths; name their common directory instead"
        )));
    }
    paths
        .iter()
        .map(|raw| {
            let clean =
                lanyard_bundle::check_path(std::path::Path::new(raw)).map_err(|reason| {
                    CoreError::Invalid(format!(
                        "--artifact `{raw}` is refused: {reason}; name a file or directory inside \
                     the job's work tree, e.g. `--artifact plan.out`"
                    ))
                })?;
            Ok(clean.to_string_lossy().into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_paths_stay_in_the_work_tree() {
        let ok = check_artifact_paths(&["./plan.out".to_owned(), "dist/app".to_owned()]).unwrap();
        assert_eq!(ok, ["plan.out", "dist/app"]);
        for bad in ["../secrets", "/etc/passwd", "a/../../b", ""] {
            let error = check_artifact_paths(&[bad.to_owned()])
                .unwrap_err()
                .to_string();
            assert!(error.contains("is refused"), "{bad}: {error}");
        }
    }
}
