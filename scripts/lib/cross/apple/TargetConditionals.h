/*
 * Stand-in for the macOS SDK's TargetConditionals.h, for type-checking Patchbay for aarch64-apple-darwin on
 * Linux (scripts/lib/cross.sh). ring's C includes it on every Apple target to tell macOS from iOS; the objects
 * compiled here are never linked into anything. A real macOS build uses the SDK's own header.
 */
#ifndef PATCHBAY_CROSS_TARGET_CONDITIONALS_H
#define PATCHBAY_CROSS_TARGET_CONDITIONALS_H
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_SIMULATOR 0
#endif
