//! The rules of API keys: a member holds at most the configured number of
//! keys in a project (revoked ones do not count), every change is recorded,
//! and deleting several keys deletes all or none.

use std::sync::Arc;

use super::{CreatedKey, DAY, KeyName, KeyScope, new_key_id, store};
use crate::{
    AppState,
    activity::{self, Change, ChangeKind},
    auth::identity::{AccountId, ProjectId},
    db::{Db, Tx},
    error::AppError,
    format::rfc3339,
    notices::{
        NoticeKind,
        service::{self as notices, Notice},
    },
    web::i18n::Msg,
};

/// Reads the other capabilities may make of keys.
pub use super::store::{Key, KeyOwner, by_digest, of_account, own, page_before};

/// A page of an owner's key list: whose keys in which project, which of
/// them, in what order, which page (of `size`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListAsked {
    pub account_id: AccountId,
    pub project_id: ProjectId,
    pub filter: super::KeyFilter,
    pub order: super::KeyOrder,
    pub page: i64,
    pub size: i64,
}

/// A page of the key list as read, with the counts the page shows and how
/// many keys pass the filter.
pub struct ListRead {
    pub keys: Vec<Arc<Key>>,
    pub counts: super::store::KeyCounts,
    pub matching: i64,
}

/// A page of the key list, remembered while nothing changes
/// (`AppState::key_lists`, `crate::cache`): a reload, a page of the pager
/// visited again or a list swapped back in by htmx is not read again. What
/// the activity recorder writes (a key's last use) does not make it stale,
/// so "last used" may lag by the cache's few seconds.
pub async fn list(state: &AppState, asked: ListAsked) -> Result<Arc<ListRead>, AppError> {
    let load = || async {
        let now = crate::db::now();
        let (keys, counts, matching) = super::store::list(
            &state.db,
            asked.account_id,
            asked.project_id,
            asked.filter,
            asked.order,
            now,
            asked.size,
            (asked.page - 1) * asked.size,
        )
        .await?;
        let keys = keys.into_iter().map(Arc::new).collect();
        Ok::<_, AppError>(Arc::new(ListRead { keys, counts, matching }))
    };
    state.key_lists.get_or_load(asked.clone(), load).await
}

/// Makes a key for an account in a project, valid for `days`, with its
/// scope; shared by the page, the API and the command line.
pub async fn create(
    db: &Db,
    account_id: AccountId,
    project_id: ProjectId,
    name: &KeyName,
    days: i64,
    scope: &KeyScope,
    max_keys: i64,
) -> Result<CreatedKey, AppError> {
    let secret = crate::token::uuid_secret();
    let key_id = new_key_id();
    let expires_at = crate::db::now() + days * DAY;
    let new = store::NewKey {
        account_id,
        project_id,
        key_id: &key_id,
        name,
        digest: &crate::token::digest(&secret),
        prefix: &secret[..8],
        expires_at,
        scope,
    };
    // The count and the insert cannot interleave with another creation.
    let mut tx = db.begin_immediate().await?;
    if store::held(&mut tx, account_id, project_id).await? >= max_keys {
        return Err(AppError::Conflict(Msg::new("key-limit").arg("max", max_keys)));
    }
    store::insert(&mut tx, &new).await?;
    let after = format!(
        "name={:?} expires={} services={} read_only={}",
        name.as_str(),
        rfc3339(expires_at),
        match scope.services {
            None => "all".to_string(),
            Some(_) => scope.stored_services(),
        },
        scope.read_only
    );
    let change = Change {
        actor_id: Some(account_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: ChangeKind::KeyCreate,
        target: &key_id,
        before: "",
        after: &after,
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await?;
    Ok(CreatedKey {
        key_id,
        secret,
        expires_at,
    })
}

/// A rotated key's new secret (shown once) and until when the one before works.
pub struct RotatedKey {
    pub secret: String,
    pub previous_valid_until: Option<i64>,
}

/// Gives one of the owner's keys a new secret under the same key ID; the
/// one before stays valid for `overlap_hours` (0: not at all). Recorded.
pub async fn rotate(
    db: &Db,
    account_id: AccountId,
    project_id: ProjectId,
    key: &store::Key,
    overlap_hours: i64,
) -> sqlx::Result<RotatedKey> {
    let secret = crate::token::uuid_secret();
    let until = crate::db::now() + overlap_hours * 3600;
    let mut tx = db.begin_immediate().await?;
    store::rotate(&mut tx, key.id, &crate::token::digest(&secret), &secret[..8], until).await?;
    let change = Change {
        actor_id: Some(account_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: ChangeKind::KeyRotate,
        target: &key.key_id,
        before: "",
        after: &overlap_hours.to_string(),
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await?;
    Ok(RotatedKey {
        secret,
        previous_valid_until: (overlap_hours > 0).then_some(until),
    })
}

/// Renames and/or re-dates a key, recording what changed.
pub async fn update(
    db: &Db,
    account_id: AccountId,
    project_id: ProjectId,
    before: &store::Key,
    name: &KeyName,
    expires_at: i64,
) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    store::update(&mut tx, before.id, name, expires_at).await?;
    let record = |action, was: String, now_is: String| (action, was, now_is);
    let mut changes = Vec::new();
    if name.as_str() != before.name {
        changes.push(record(
            ChangeKind::KeyRename,
            format!("{:?}", before.name),
            format!("{:?}", name.as_str()),
        ));
    }
    if expires_at != before.expires_at {
        changes.push(record(
            ChangeKind::KeyExtend,
            rfc3339(before.expires_at),
            rfc3339(expires_at),
        ));
    }
    for (action, was, now_is) in changes {
        let change = Change {
            actor_id: Some(account_id),
            project_id: Some(project_id),
            subject_id: Some(account_id),
            action,
            target: &before.key_id,
            before: &was,
            after: &now_is,
        };
        activity::service::record_in(&mut tx, change).await?;
    }
    tx.commit().await
}

/// Deletes exactly these keys of the owner, all or none: if any is not
/// theirs in this project, nothing is deleted and `false` is returned.
pub async fn delete_own(
    db: &Db,
    account_id: AccountId,
    project_id: ProjectId,
    key_ids: &[String],
) -> sqlx::Result<bool> {
    let mut tx = db.begin_immediate().await?;
    for key_id in key_ids {
        if !store::delete(&mut tx, account_id, project_id, key_id).await? {
            return Ok(false); // the transaction rolls back on drop
        }
        let change = Change {
            actor_id: Some(account_id),
            project_id: Some(project_id),
            subject_id: Some(account_id),
            action: ChangeKind::KeyDelete,
            target: key_id,
            before: "",
            after: "",
        };
        activity::service::record_in(&mut tx, change).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Revokes an account's key (support), recording why. `false` if there is
/// no such key.
pub async fn revoke(
    db: &Db,
    actor_id: AccountId,
    account_id: AccountId,
    key_id: &str,
    reason: &str,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_immediate().await?;
    if !store::revoke(&mut tx, actor_id, account_id, key_id).await? {
        return Ok(false);
    }
    let change = Change {
        actor_id: Some(actor_id),
        project_id: None,
        subject_id: Some(account_id),
        action: ChangeKind::KeyRevoke,
        target: key_id,
        before: "",
        after: reason,
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await?;
    Ok(true)
}

/// Deletes every key of the member in the project (they left it): re-adding
/// the member brings none back.
pub async fn delete_all_in(tx: &mut Tx, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    store::delete_all_of(tx, project_id, account_id).await
}

/// Keys looked at in one run of the expiry warnings: a large install's first
/// run does not hold the write lock for minutes (the next run goes on).
const EXPIRING_PER_RUN: i64 = 2_000;

/// Tells keys' owners, as of `now`, that a key expires within 7 days, within
/// a day, or has expired: each step once per key (an extension starts
/// over). Returns how many notices were sent.
pub async fn notify_expiring(db: &Db, now: i64) -> sqlx::Result<usize> {
    let mut sent = 0;
    for key in store::expiring(db, now + 7 * DAY, EXPIRING_PER_RUN).await? {
        let (step, kind) = if key.expires_at <= now {
            (3, NoticeKind::KeyExpired)
        } else if key.expires_at <= now + DAY {
            (2, NoticeKind::KeyExpiresTomorrow)
        } else {
            (1, NoticeKind::KeyExpiresInAWeek)
        };
        if step <= key.step {
            continue;
        }
        let mut tx = db.begin_immediate().await?;
        if store::advance_notice_step(&mut tx, key.id, key.step, step).await? {
            let notice = Notice {
                kind,
                actor: "",
                project: &key.project_code,
                subject: &key.key_id,
                link: "/keys",
            };
            notices::send_in(&mut tx, &[key.account_id], &notice).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
