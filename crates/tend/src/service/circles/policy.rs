//! Who may do what in a circle: one pure policy, asked by every use case.
//!
//! Two questions, both without I/O so they can be tested as a table:
//! - [`allows`]: may a person with this standing do this action in this place?
//! - [`may_moderate`]: may this moderator take this action on this post (or,
//!   for a suspension, on its author)?
//!
//! A "no" from [`allows`] becomes the same 404 as something that does not
//! exist, so nobody learns what they may not see. A "no" from
//! [`may_moderate`] is a [`Refusal`] with a plain reason, because the
//! moderator can already see the post in their queue.

use crate::domain::circles::{Role, Status};

/// Everything a person might ask to do in one circle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the circle: its threads, meetings and members' posts.
    Read,
    /// Start a thread.
    Post,
    Reply,
    Report,
    /// Open the moderation queue and act on posts and members.
    Moderate,
    ReadLog,
    /// Make and withdraw invite codes.
    Invite,
    /// Add and cancel meetings.
    Schedule,
    /// Change a member's role (only the command line does this today; a
    /// page for it would ask this first).
    Grant,
    Leave,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::Read,
        Action::Post,
        Action::Reply,
        Action::Report,
        Action::Moderate,
        Action::ReadLog,
        Action::Invite,
        Action::Schedule,
        Action::Grant,
        Action::Leave,
    ];
}

/// Which kind of circle: an ordinary one, or the built-in circle that holds
/// the replies under Learn articles (no threads of its own, no invites, no
/// meetings; every signed-in reader may reply there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Circle,
    Learn,
}

/// A person's standing in one circle at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// `None`: not a member of this circle.
    pub role: Option<Role>,
    /// A server admin (granted on the command line).
    pub admin: bool,
    /// A moderator paused this member's posting, and the pause has not ended.
    pub suspended: bool,
}

impl Standing {
    pub fn member(&self) -> bool {
        self.role.is_some()
    }
    /// Facilitators moderate too: a new circle has no moderator until one is
    /// named, and a post held for risk language must reach someone at once.
    pub fn moderates(&self) -> bool {
        self.admin || matches!(self.role, Some(Role::Moderator | Role::Facilitator))
    }
    pub fn facilitates(&self) -> bool {
        self.admin || self.role == Some(Role::Facilitator)
    }
}

/// May a person with standing `s` do `action` in a circle of kind `place`?
pub fn allows(s: &Standing, place: Place, action: Action) -> bool {
    match (place, action) {
        (Place::Circle, Action::Read) => s.member() || s.admin,
        (Place::Circle, Action::Post | Action::Reply) => s.member() && !s.suspended,
        (Place::Circle, Action::Report | Action::Leave) => s.member(),
        (_, Action::Moderate | Action::ReadLog) => s.moderates(),
        (Place::Circle, Action::Invite | Action::Schedule | Action::Grant) => s.facilitates(),
        // Learn replies are open to every signed-in reader (the pseudonym is
        // made on the first reply), except someone whose replies are paused.
        (Place::Learn, Action::Reply) => !s.suspended,
        (Place::Learn, Action::Grant) => s.admin,
        (
            Place::Learn,
            Action::Read
            | Action::Post
            | Action::Report
            | Action::Invite
            | Action::Schedule
            | Action::Leave,
        ) => false,
    }
}

/// One moderation action on a post (or on its author).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModAction {
    Approve,
    Hide,
    Remove,
    Lock,
    Unlock,
    /// For this many days.
    Suspend(i64),
    Unsuspend,
    Dismiss,
}

/// The post a moderator wants to act on.
#[derive(Debug, Clone, Copy)]
pub struct PostFacts<'a> {
    /// The membership id of its author.
    pub author: &'a str,
    /// The author's role now; `None` once they have left.
    pub author_role: Option<Role>,
    pub status: Status,
}

/// Why a moderator may not take an action on a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its author deleted it: there is nothing left to act on.
    Deleted,
    /// Nobody approves their own held words: someone else must read them.
    OwnHeld,
    /// A moderator does not suspend themselves (or end it).
    Own,
    /// A moderator does not suspend the circle's facilitator (or end it).
    Facilitator,
    /// Nobody lifts their own suspension.
    OwnSuspension,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Deleted => "Its author deleted this, so there is nothing left to act on.",
            Self::OwnHeld => {
                "This is your own post, so someone else needs to read it first. \
                 If it is about how you feel, please reach out to one of the help lines."
            }
            Self::Own => {
                "This is your own post: a suspension of yourself is for the facilitator to decide."
            }
            Self::Facilitator => {
                "This was written by the circle's facilitator: only another facilitator \
                 or a server admin can suspend them."
            }
            Self::OwnSuspension => {
                "You can't end your own suspension. The facilitator or another moderator can."
            }
        }
    }
}

/// May `actor` (whose membership id in the circle is `me`, if any) take
/// `action` on `post`? Assumes `allows(actor, _, Moderate)` already said yes.
///
/// Actions on words (approve, hide, remove, lock, dismiss) are open to every
/// moderator, except approving one's own held words. Actions on a person
/// (suspend, unsuspend) follow the roles: a moderator never acts on the
/// facilitator or on themselves, and nobody lifts their own suspension.
pub fn may_moderate(
    actor: &Standing,
    me: Option<&str>,
    action: ModAction,
    post: &PostFacts<'_>,
) -> Result<(), Refusal> {
    if post.status == Status::Deleted {
        return Err(Refusal::Deleted);
    }
    let own = me == Some(post.author);
    if own && action == ModAction::Approve && post.status == Status::Held {
        return Err(Refusal::OwnHeld);
    }
    if own && action == ModAction::Unsuspend {
        return Err(Refusal::OwnSuspension);
    }
    let on_person = matches!(action, ModAction::Suspend(_) | ModAction::Unsuspend);
    // Above a moderator stand the circle's facilitators and server admins.
    if on_person && !actor.admin && actor.role == Some(Role::Moderator) {
        if own {
            return Err(Refusal::Own);
        }
        if post.author_role == Some(Role::Facilitator) {
            return Err(Refusal::Facilitator);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Option<Role>; 4] = [
        None,
        Some(Role::Member),
        Some(Role::Moderator),
        Some(Role::Facilitator),
    ];

    /// The whole table, written out as the rule a person would state it.
    fn expected(s: &Standing, place: Place, action: Action) -> bool {
        let member = s.role.is_some();
        let moderator = s.admin || matches!(s.role, Some(Role::Moderator | Role::Facilitator));
        let facilitator = s.admin || s.role == Some(Role::Facilitator);
        match place {
            Place::Circle => match action {
                Action::Read => member || s.admin,
                Action::Post | Action::Reply => member && !s.suspended,
                Action::Report | Action::Leave => member,
                Action::Moderate | Action::ReadLog => moderator,
                Action::Invite | Action::Schedule | Action::Grant => facilitator,
            },
            Place::Learn => match action {
                Action::Reply => !s.suspended,
                Action::Moderate | Action::ReadLog => moderator,
                Action::Grant => s.admin,
                _ => false,
            },
        }
    }

    #[test]
    fn every_role_times_every_action_in_own_and_other_circles() {
        let mut checked = 0;
        for place in [Place::Circle, Place::Learn] {
            for role in ROLES {
                for admin in [false, true] {
                    for suspended in [false, true] {
                        // A suspension only exists for members.
                        if suspended && role.is_none() {
                            continue;
                        }
                        let own = Standing {
                            role,
                            admin,
                            suspended,
                        };
                        // The same person in a circle they are not part of.
                        let other = Standing {
                            role: None,
                            admin,
                            suspended: false,
                        };
                        for action in Action::ALL {
                            for s in [own, other] {
                                assert_eq!(
                                    allows(&s, place, action),
                                    expected(&s, place, action),
                                    "{s:?} {action:?} in {place:?}"
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 200, "{checked}");
    }

    #[test]
    fn outsiders_may_do_nothing_in_a_circle() {
        let outsider = Standing::default();
        for action in Action::ALL {
            assert!(!allows(&outsider, Place::Circle, action), "{action:?}");
        }
    }

    #[test]
    fn a_plain_member_reads_posts_reports_and_leaves_and_nothing_more() {
        let m = Standing {
            role: Some(Role::Member),
            ..Standing::default()
        };
        let may: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|a| allows(&m, Place::Circle, *a))
            .collect();
        assert_eq!(
            may,
            [
                Action::Read,
                Action::Post,
                Action::Reply,
                Action::Report,
                Action::Leave
            ]
        );
        let paused = Standing {
            suspended: true,
            ..m
        };
        assert!(allows(&paused, Place::Circle, Action::Read));
        assert!(!allows(&paused, Place::Circle, Action::Post));
        assert!(!allows(&paused, Place::Circle, Action::Reply));
    }

    #[test]
    fn a_moderator_moderates_but_neither_invites_nor_schedules() {
        let m = Standing {
            role: Some(Role::Moderator),
            ..Standing::default()
        };
        assert!(allows(&m, Place::Circle, Action::Moderate));
        assert!(allows(&m, Place::Circle, Action::ReadLog));
        assert!(!allows(&m, Place::Circle, Action::Invite));
        assert!(!allows(&m, Place::Circle, Action::Schedule));
        assert!(!allows(&m, Place::Circle, Action::Grant));
    }

    #[test]
    fn the_learn_circle_has_no_threads_invites_or_meetings_even_for_admins() {
        let admin = Standing {
            admin: true,
            ..Standing::default()
        };
        for a in [
            Action::Read,
            Action::Post,
            Action::Report,
            Action::Invite,
            Action::Schedule,
            Action::Leave,
        ] {
            assert!(!allows(&admin, Place::Learn, a), "{a:?}");
        }
        assert!(allows(&admin, Place::Learn, Action::Moderate));
        assert!(allows(&Standing::default(), Place::Learn, Action::Reply));
    }

    fn post(author: &str, role: Option<Role>, status: Status) -> PostFacts<'_> {
        PostFacts {
            author,
            author_role: role,
            status,
        }
    }

    const ACTIONS: [ModAction; 8] = [
        ModAction::Approve,
        ModAction::Hide,
        ModAction::Remove,
        ModAction::Lock,
        ModAction::Unlock,
        ModAction::Suspend(7),
        ModAction::Unsuspend,
        ModAction::Dismiss,
    ];

    #[test]
    fn a_moderator_never_suspends_the_facilitator_or_themselves() {
        let moderator = Standing {
            role: Some(Role::Moderator),
            ..Standing::default()
        };
        let fac_post = post("fac", Some(Role::Facilitator), Status::Visible);
        let own_post = post("mod", Some(Role::Moderator), Status::Visible);
        for action in [ModAction::Suspend(7), ModAction::Unsuspend] {
            assert_eq!(
                may_moderate(&moderator, Some("mod"), action, &fac_post),
                Err(Refusal::Facilitator),
                "{action:?}"
            );
            assert!(
                may_moderate(&moderator, Some("mod"), action, &own_post).is_err(),
                "{action:?} on themselves"
            );
        }
        for action in ACTIONS {
            // Members and other moderators are theirs to act on.
            for role in [Role::Member, Role::Moderator] {
                assert_eq!(
                    may_moderate(
                        &moderator,
                        Some("mod"),
                        action,
                        &post("x", Some(role), Status::Visible)
                    ),
                    Ok(()),
                    "{action:?} on a {role:?}"
                );
            }
        }
        // Words are words: a moderator may still hide or approve what the
        // facilitator wrote, and hide their own.
        for action in [ModAction::Approve, ModAction::Hide, ModAction::Lock] {
            assert_eq!(
                may_moderate(&moderator, Some("mod"), action, &fac_post),
                Ok(())
            );
            assert_eq!(
                may_moderate(&moderator, Some("mod"), action, &own_post),
                Ok(())
            );
        }
    }

    #[test]
    fn facilitators_and_admins_act_on_moderators_and_facilitators() {
        let fac = Standing {
            role: Some(Role::Facilitator),
            ..Standing::default()
        };
        let admin = Standing {
            admin: true,
            ..Standing::default()
        };
        for action in ACTIONS {
            for who in [&fac, &admin] {
                for role in [Role::Moderator, Role::Facilitator] {
                    assert_eq!(
                        may_moderate(
                            who,
                            Some("me"),
                            action,
                            &post("x", Some(role), Status::Visible)
                        ),
                        Ok(()),
                        "{who:?} {action:?} on a {role:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn nobody_lifts_their_own_suspension_or_approves_their_own_held_words() {
        for role in [Role::Member, Role::Moderator, Role::Facilitator] {
            for admin in [false, true] {
                let s = Standing {
                    role: Some(role),
                    admin,
                    suspended: true,
                };
                let mine = post("me", Some(role), Status::Visible);
                assert_eq!(
                    may_moderate(&s, Some("me"), ModAction::Unsuspend, &mine),
                    Err(Refusal::OwnSuspension)
                );
                let held = post("me", Some(role), Status::Held);
                assert_eq!(
                    may_moderate(&s, Some("me"), ModAction::Approve, &held),
                    Err(Refusal::OwnHeld)
                );
            }
        }
    }

    #[test]
    fn what_its_author_deleted_is_beyond_every_action() {
        let admin = Standing {
            admin: true,
            ..Standing::default()
        };
        for action in ACTIONS {
            assert_eq!(
                may_moderate(
                    &admin,
                    None,
                    action,
                    &post("x", Some(Role::Member), Status::Deleted)
                ),
                Err(Refusal::Deleted)
            );
        }
    }
}
