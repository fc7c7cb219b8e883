//! Notifications on macOS: a request to the `UNUserNotificationCenter` (the User Notifications framework,
//! through objc2's bindings, which need no Objective-C compiler and so are checked on Linux too). macOS ties
//! notifications to an app bundle: the service and the window run from `Patchbay.app/Contents/MacOS`, so they
//! post as Patchbay, and the first one asks the person's permission (System Settings › Notifications › Patchbay).
//! A program outside a bundle (a build run from cargo's target folder) gets none: the framework would raise an
//! Objective-C exception there, so that is checked first and said in words.
//!
//! A click is left to macOS (it activates the app that posted the note); opening the connection's Fix from it
//! would take a notification-centre delegate, an Objective-C class declared in Rust (objc2's `define_class!`),
//! which needs `unsafe` that this workspace forbids. The tray's menu carries the Fix entries.

use crate::alerts::Note;
use objc2::runtime::Bool;
use objc2_foundation::{NSBundle, NSError, NSString};
use objc2_user_notifications::{
    UNAuthorizationOptions, UNMutableNotificationContent, UNNotificationRequest,
    UNUserNotificationCenter,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

/// Post `note`. Its text is plain text (`NSString`), never markup.
pub fn send(note: &Note) -> Result<(), String> {
    if NSBundle::mainBundle().bundleIdentifier().is_none() {
        return Err(
            "this program does not run from inside Patchbay.app, and macOS shows notifications only for an app"
                .into(),
        );
    }
    let center = UNUserNotificationCenter::currentNotificationCenter();
    static ASKED: Once = Once::new();
    ASKED.call_once(|| {
        // The answer comes later on a queue of the framework's; a refusal only means notes are not shown.
        let answered = block2::RcBlock::new(|_granted: Bool, _error: *mut NSError| {});
        center.requestAuthorizationWithOptions_completionHandler(
            UNAuthorizationOptions::Alert | UNAuthorizationOptions::Sound,
            &answered,
        );
    });
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = format!(
        "patchbay-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let content = UNMutableNotificationContent::new();
    content.setTitle(&NSString::from_str(&note.summary));
    content.setBody(&NSString::from_str(&note.body_for(false)));
    let request = UNNotificationRequest::requestWithIdentifier_content_trigger(
        &NSString::from_str(&id),
        &content,
        None,
    );
    center.addNotificationRequest_withCompletionHandler(&request, None);
    Ok(())
}
