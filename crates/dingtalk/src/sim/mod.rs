//! DingTalk simulator (work in progress).
