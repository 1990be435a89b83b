//! Whom a job runs as: a configured unprivileged user when the runner is root, the runner's
//! own user otherwise (a runner that is not root cannot become anyone else, and its sandbox
//! hides everything of its own from the job instead).

use nix::unistd::{Gid, Uid, User};

/// The user jobs run as when the runner is root: `nobody` unless configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobUser {
    /// A user name from the password database.
    Name(String),
    /// A numeric uid and gid (`UID[:GID]`; the gid defaults to the uid).
    Ids { uid: u32, gid: u32 },
}

impl std::str::FromStr for JobUser {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the job user is empty: give a user name or UID[:GID]".to_owned());
        }
        if text.starts_with(|c: char| c.is_ascii_digit()) {
            let (uid, gid) = text.split_once(':').unwrap_or((text, text));
            let parse = |part: &str| {
                part.parse::<u32>().map_err(|_| {
                    format!("invalid job user `{text}`: use a user name or UID[:GID], e.g. 65534")
                })
            };
            return Ok(Self::Ids {
                uid: parse(uid)?,
                gid: parse(gid)?,
            });
        }
        Ok(Self::Name(text.to_owned()))
    }
}

/// The uid and gid that own a job's files and run its processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// `nobody` on Debian, Red Hat and Alpine alike.
const NOBODY: Owner = Owner {
    uid: 65534,
    gid: 65534,
};

/// The owner jobs run as: `Some` when the runner is root (never root itself), `None` when the
/// runner is not root and jobs keep its uid.
pub(crate) fn job_owner(configured: Option<&JobUser>) -> Result<Option<Owner>, String> {
    let runner = Uid::effective();
    if !runner.is_root() {
        return match configured {
            None => Ok(None),
            Some(user) => {
                let owner = resolve(user)?;
                if owner.uid == runner.as_raw() {
                    Ok(None)
                } else {
                    Err(format!(
                        "this runner runs as uid {runner}, not root, so it cannot run jobs as \
                         {user:?}; remove the job user setting or start the runner as root"
                    ))
                }
            }
        };
    }
    let owner = match configured {
        Some(user) => resolve(user)?,
        None => resolve(&JobUser::Name("nobody".to_owned())).unwrap_or(NOBODY),
    };
    if owner.uid == 0 || owner.gid == 0 {
        return Err(
            "the job user must not be root (uid or gid 0): jobs would read the runner's keys"
                .to_owned(),
        );
    }
    Ok(Some(owner))
}

fn resolve(user: &JobUser) -> Result<Owner, String> {
    match user {
        JobUser::Ids { uid, gid } => Ok(Owner {
            uid: *uid,
            gid: *gid,
        }),
        JobUser::Name(name) => match User::from_name(name) {
            Ok(Some(user)) => Ok(Owner {
                uid: user.uid.as_raw(),
                gid: Gid::as_raw(user.gid),
            }),
            Ok(None) => Err(format!(
                "job user `{name}` does not exist here: create it (`useradd --system {name}`) \
                 or give UID[:GID]"
            )),
            Err(e) => Err(format!("cannot look up job user `{name}`: {e}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_users_parse_as_names_or_ids() {
        assert_eq!(
            "1234".parse::<JobUser>(),
            Ok(JobUser::Ids {
                uid: 1234,
                gid: 1234
            })
        );
        assert_eq!(
            "1234:99".parse::<JobUser>(),
            Ok(JobUser::Ids { uid: 1234, gid: 99 })
        );
        assert_eq!(
            "deploy".parse::<JobUser>(),
            Ok(JobUser::Name("deploy".to_owned()))
        );
        let bad = "12x".parse::<JobUser>().unwrap_err();
        assert!(bad.contains("UID[:GID]"), "{bad}");
        assert!("".parse::<JobUser>().is_err());
    }

    #[test]
    fn root_is_never_a_job_user() {
        if !Uid::effective().is_root() {
            return;
        }
        let refused = job_owner(Some(&JobUser::Ids { uid: 0, gid: 0 })).unwrap_err();
        assert!(refused.contains("must not be root"), "{refused}");
        let default = job_owner(None).unwrap().expect("root runners switch users");
        assert_ne!(default.uid, 0);
    }
}
