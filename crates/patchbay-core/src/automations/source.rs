//! What a trigger watches, as the engine sees it: a Graph delta followed from a cursor, and the trigger's own
//! rule of what in it is new. Mail ([`super::mail`]), the calendar ([`super::calendar`]) and files
//! ([`super::files`]) each implement [`DeltaSource`] with their own state, kept in the automation's `state.json`
//! beside the engine's ([`SourceState`]); the engine, the queue, delivery, retries, history and the runner know
//! no resource.

use super::queue::{Pending, State};
use super::{Automation, Trigger};
use crate::error::ErrorInfo;
use crate::graph::{ConnectionGraph, RawResponse, Request};
use crate::Patchbay;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// A future a trait object can return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The newest item a trigger would fire for, as its action would get it (Test with the newest item).
#[derive(Debug, Clone, PartialEq)]
pub struct TestItem {
    pub id: String,
    pub subject: Option<String>,
    pub payload: Value,
}

/// What happens before an item's action: files put where the command finds them (a download), and what the
/// action is then given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prepared {
    /// Added to the command's environment (`PATCHBAY_LOCAL_PATH`).
    pub env: Vec<(String, String)>,
    /// The payload to give instead of the queued one (the item with its `local_path`).
    pub payload: Option<Value>,
}

/// A trigger's delta, and what in it is new.
pub trait DeltaSource: Send + Sync {
    /// The trigger's code, as the automation's JSON and its payload name it (`new_mail`).
    fn code(&self) -> &'static str;

    /// What it watches, in words ("new mail in inbox from ada@contoso.com").
    fn describe(&self) -> String;

    /// The trigger as given, checked and tidied (blank filters dropped), or why it cannot be.
    fn check(&self) -> Result<Trigger, ErrorInfo>;

    /// The first request of a pass from no cursor. A calendar view names its window here (kept in its state:
    /// the tokens after it carry the same).
    fn first_request(&self, state: &mut State, now: i64, prefer: &str) -> Request;

    /// Take the baseline at creation its own way, setting the cursor (a drive's delta from `token=latest`: one
    /// round trip whatever the drive's size). `None`: a whole pass from no cursor, firing nothing.
    fn baseline<'a>(
        &'a self,
        _graph: &'a ConnectionGraph,
        _state: &'a mut State,
    ) -> Option<BoxFuture<'a, Result<(), String>>> {
        None
    }

    /// What a page needs before it is taken, fetched (a file's folders, when they were never seen). Errors are
    /// the round's (it is tried again from the same cursor).
    fn settle<'a>(
        &'a self,
        _graph: &'a ConnectionGraph,
        _state: &'a mut State,
        _items: &'a [Value],
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    /// A page's items, in the order Graph sent them, and what of them to deliver; the source keeps what it
    /// needs in its state. `last`: the page carries the deltaLink (the pass is over); `started`: when the round
    /// began (Unix seconds).
    fn take_page(
        &self,
        a: &Automation,
        state: &mut State,
        items: Vec<Value>,
        last: bool,
        started: i64,
    ) -> Vec<Pending>;

    /// Whether it reads a list from the top each round (no delta): a round's end leaves no cursor.
    fn reads_from_the_top(&self) -> bool {
        false
    }

    /// Whether the round has read enough and stops before the page's `@odata.nextLink` (a list ordered newest
    /// first, read down to the mark). The default: follow every page.
    fn stop_paging(&self, _state: &State) -> bool {
        false
    }

    /// Whether the cursor no longer covers what is watched and a fresh pass is due (a calendar window that the
    /// days have moved past).
    fn fresh_pass_due(&self, _state: &State, _now: i64) -> bool {
        false
    }

    /// Where to go on after Graph answered 410 Gone: a drive's delta names the URL to start again from
    /// (`Location`); `None` starts a pass from no cursor.
    fn resync_link(&self, _response: &RawResponse) -> Option<String> {
        None
    }

    /// The request for Test with the newest item.
    fn newest_request(&self, now: i64) -> Request;

    /// The item Test with the newest item uses, from the answer to [`DeltaSource::newest_request`].
    fn test_item(&self, a: &Automation, answer: &Value) -> Option<TestItem>;

    /// What Test says when there is none ("No message in the folder matches: nothing ran.").
    fn nothing_to_test(&self) -> String;

    /// What a failed baseline says ("Patchbay could not read the folder to its end.").
    fn unreadable(&self) -> &'static str;

    /// Work before an item's action (e.g. the file downloaded where the command finds it). The default: none.
    fn prepare<'a>(
        &'a self,
        _core: &'a Patchbay,
        _a: &'a Automation,
        _item: &'a Pending,
    ) -> BoxFuture<'a, Result<Prepared, String>> {
        Box::pin(async { Ok(Prepared::default()) })
    }
}

/// A source's own part of the state, kept in `state.json` beside the engine's (its keys at the top level).
pub trait SourceState: Serialize + DeserializeOwned + Default {
    /// This source's state out of `state` (its default when there is none yet, or it cannot be read).
    fn load(state: &State) -> Self {
        serde_json::from_value(Value::Object(state.source.clone())).unwrap_or_default()
    }

    /// Put it back.
    fn store(&self, state: &mut State) {
        if let Ok(Value::Object(map)) = serde_json::to_value(self) {
            state.source = map;
        }
    }
}
