//! [`ErrorKind`]: what went wrong, and how DingTalk's codes (webhook / oapi `errcode`, v1.0
//! `code`, stored code strings) map to it.

/// What went wrong, one variant per meaning. DingTalk codes that mean the same map to one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // ---- transient
    /// errcode -1: system busy.
    Busy,
    /// HTTP 5xx or an answer that is not DingTalk's JSON.
    ServerError,
    /// Could not connect (nothing was sent).
    Connect,
    // ---- outcome unknown
    /// Sent, but no answer in time.
    Timeout,
    /// The connection broke after the request may have been received.
    ConnectionLost,
    /// `unknown.send.result`.
    UnknownSendResult,
    // ---- throttled
    /// 410100 / 130101 / `send.too.fast` / `send.byToken.tooFast`: 20 messages per minute.
    Throttled,
    /// 90018 / `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`: per-app QPS limit.
    QpsLimited,
    /// Our own limiter refused before sending.
    LocalRateLimited,
    // ---- permanent
    /// 40035: body is not JSON / missing.
    MissingJson,
    /// 43004: Content-Type is not application/json.
    BadContentType,
    /// 300001 / 300005 / 400101: the webhook token does not exist.
    TokenNotExist,
    /// 400013 / `group.disbanded`.
    GroupDisbanded,
    /// 400102 / `bot.stopped`.
    RobotDisabled,
    /// 400105.
    UnsupportedMessageType,
    /// 400106: the robot is not in the group.
    RobotNotInGroup,
    /// 430101: an external link is considered unsafe.
    UnsafeLink,
    /// 430102–430104: text, picture or content not allowed.
    ContentNotAllowed,
    /// 310000 with a reason we could not recognise (see errmsg).
    SecurityCheckFailed,
    /// 310000 "keywords not in content" / `keywords.not.match` / our guard before sending.
    KeywordMissing,
    /// 310000 "sign not match" / `sign.not.match`.
    SignatureMismatch,
    /// 310000 "invalid timestamp".
    TimestampInvalid,
    /// 310000 "ip … not in whitelist".
    IpNotAllowed,
    /// 460101 / our size check.
    MessageTooLong,
    /// 20001: the organisation's monthly quota is used up.
    QuotaExhausted,
    /// `invalidClientIdOrSecret` / 40089: wrong appKey or appSecret.
    InvalidCredentials,
    /// `InvalidAuthentication` / 40014 / 42001: access token invalid or expired.
    InvalidAuthentication,
    /// `invalidParameter.robotCode.auth`.
    RobotCodeUnauthorized,
    /// `invalid.openConversationId`.
    InvalidConversation,
    /// 34001: no group has this chatid (`chat/send`).
    UnknownChat,
    /// 60011: the app may not call this API (not granted, or closed to apps onboarded later,
    /// as `chat/create` and `chat/send` are).
    ApiNotPermitted,
    /// 60121: no current employee with this mobile.
    UserNotFound,
    /// 40104: the mobile is not in the organisation.
    MobileNotInOrg,
    /// The honour id does not exist.
    HonourNotFound,
    /// Another grant from the same sender is running.
    ConcurrentGrant,
    /// Any other invalid parameter reported by DingTalk.
    InvalidParameter,
    /// The pasted webhook URL cannot be used.
    InvalidWebhook,
    /// The message is malformed (checked before sending).
    InvalidMessage,
    /// A query breaks DingTalk's documented limits (checked before calling): e.g. more than 50
    /// userIds or a window over 7 days on `attendance/list`.
    InvalidRequest,
    /// A code we do not know.
    Unknown,
}

impl ErrorKind {
    /// Maps a webhook / oapi `errcode` (+ `errmsg`, needed for 310000).
    pub fn from_errcode(errcode: i64, errmsg: &str) -> ErrorKind {
        use ErrorKind::*;
        match errcode {
            -1 => Busy,
            // 40035 is DingTalk's "invalid parameter" in general; robot webhooks answer it with
            // "缺少参数 json" for a missing body, other oapi calls name the parameter.
            40035 if errmsg.contains("不合法的参数") => InvalidParameter,
            40035 => MissingJson,
            // 40032: the userId list is empty or too long (attendance/list: at most 50).
            40032 => InvalidParameter,
            43004 => BadContentType,
            300001 | 300005 | 400101 => TokenNotExist,
            400013 => GroupDisbanded,
            400102 => RobotDisabled,
            400105 => UnsupportedMessageType,
            400106 => RobotNotInGroup,
            410100 | 130101 => Throttled,
            430101 => UnsafeLink,
            430102..=430104 => ContentNotAllowed,
            310000 => security_reason(errmsg),
            460101 => MessageTooLong,
            20001 => QuotaExhausted,
            90018 => QpsLimited,
            40089 => InvalidCredentials,
            40014 | 42001 | 88 => InvalidAuthentication,
            60121 => UserNotFound,
            40104 => MobileNotInOrg,
            34001 => UnknownChat,
            60011 => ApiNotPermitted,
            _ => Unknown,
        }
    }

    /// Maps a v1.0 API error `code` (with the HTTP status for unknown codes).
    pub fn from_api_code(code: &str, http_status: u16) -> ErrorKind {
        use ErrorKind::*;
        match code {
            "invalidClientIdOrSecret" => InvalidCredentials,
            "InvalidAuthentication" => InvalidAuthentication,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi" => QpsLimited,
            "invalidParameter.robotCode.auth" => RobotCodeUnauthorized,
            "invalid.openConversationId" => InvalidConversation,
            "group.disbanded" => GroupDisbanded,
            "bot.stopped" => RobotDisabled,
            "send.too.fast" | "send.byToken.tooFast" => Throttled,
            "keywords.not.match" => KeywordMissing,
            "sign.not.match" => SignatureMismatch,
            "unknown.send.result" => UnknownSendResult,
            "robot.not.in.group" => RobotNotInGroup,
            "msgParam.too.long" => MessageTooLong,
            "honor.not.found" => HonourNotFound,
            "honor.grant.concurrent" => ConcurrentGrant,
            "user.not.found" => UserNotFound,
            "quota.exhausted" => QuotaExhausted,
            // the honours API's refusals (HTTP 500, but nothing a retry changes)
            "conversation.wrong" | "conversation.limit" | "system.image.large"
            | "system.corp.noauth" => InvalidParameter,
            "request.often" | "system.freq.limit" => Throttled,
            c if c.starts_with("invalidParameter")
                || c.starts_with("MissingParameter")
                || c.starts_with("parameter.") =>
            {
                InvalidParameter
            }
            _ if http_status >= 500 => ServerError,
            _ => Unknown,
        }
    }

    /// Maps a stored code string: numeric codes as errcodes, others as v1.0 codes.
    pub fn from_code(code: &str, errmsg: &str) -> ErrorKind {
        match code.trim().parse::<i64>() {
            Ok(n) => ErrorKind::from_errcode(n, errmsg),
            Err(_) => match code {
                "local.keywords" => ErrorKind::KeywordMissing,
                "local.too_long" => ErrorKind::MessageTooLong,
                "local.webhook" => ErrorKind::InvalidWebhook,
                "local.message" => ErrorKind::InvalidMessage,
                "local.request" => ErrorKind::InvalidRequest,
                "local.rate_limit" => ErrorKind::LocalRateLimited,
                "local.timeout" => ErrorKind::Timeout,
                "local.connect" => ErrorKind::Connect,
                "local.connection_lost" => ErrorKind::ConnectionLost,
                "http.5xx" => ErrorKind::ServerError,
                other => ErrorKind::from_api_code(other, 400),
            },
        }
    }

    /// Retry class, ignoring the `until` of throttling (see [`Error::retry_class`]).
    ///
    /// [`Error::retry_class`]: super::Error::retry_class
    pub fn is_permanent(self) -> bool {
        use ErrorKind::*;
        !matches!(
            self,
            Busy | ServerError
                | Connect
                | Timeout
                | ConnectionLost
                | UnknownSendResult
                | Throttled
                | QpsLimited
                | LocalRateLimited
                | ConcurrentGrant
        )
    }
}

fn security_reason(errmsg: &str) -> ErrorKind {
    let m = errmsg.to_ascii_lowercase();
    if m.contains("keyword") {
        ErrorKind::KeywordMissing
    } else if m.contains("timestamp") {
        ErrorKind::TimestampInvalid
    } else if m.contains("whitelist") || m.contains(" ip ") || m.starts_with("ip ") {
        ErrorKind::IpNotAllowed
    } else if m.contains("sign") {
        ErrorKind::SignatureMismatch
    } else {
        ErrorKind::SecurityCheckFailed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::error::Error;

    #[test]
    fn documented_codes_map() {
        let cases: &[(i64, &str, ErrorKind)] = &[
            (-1, "busy", ErrorKind::Busy),
            (40035, "", ErrorKind::MissingJson),
            (40035, "不合法的参数: limit", ErrorKind::InvalidParameter),
            (40032, "不合法的UserID列表长度", ErrorKind::InvalidParameter),
            (43004, "", ErrorKind::BadContentType),
            (300001, "token is not exist", ErrorKind::TokenNotExist),
            (300005, "", ErrorKind::TokenNotExist),
            (400101, "", ErrorKind::TokenNotExist),
            (400013, "", ErrorKind::GroupDisbanded),
            (400102, "", ErrorKind::RobotDisabled),
            (400105, "", ErrorKind::UnsupportedMessageType),
            (400106, "", ErrorKind::RobotNotInGroup),
            (410100, "", ErrorKind::Throttled),
            (130101, "send too fast", ErrorKind::Throttled),
            (430101, "", ErrorKind::UnsafeLink),
            (430102, "", ErrorKind::ContentNotAllowed),
            (430103, "", ErrorKind::ContentNotAllowed),
            (430104, "", ErrorKind::ContentNotAllowed),
            (310000, "keywords not in content", ErrorKind::KeywordMissing),
            (310000, "invalid timestamp", ErrorKind::TimestampInvalid),
            (310000, "sign not match", ErrorKind::SignatureMismatch),
            (
                310000,
                "ip 1.2.3.4 not in whitelist",
                ErrorKind::IpNotAllowed,
            ),
            (310000, "something new", ErrorKind::SecurityCheckFailed),
            (460101, "message too long", ErrorKind::MessageTooLong),
            (20001, "", ErrorKind::QuotaExhausted),
            (90018, "", ErrorKind::QpsLimited),
            (60121, "", ErrorKind::UserNotFound),
            (40104, "", ErrorKind::MobileNotInOrg),
            (34001, "无效的会话id", ErrorKind::UnknownChat),
            (60011, "没有调用该接口的权限", ErrorKind::ApiNotPermitted),
        ];
        for (code, msg, kind) in cases {
            let e = Error::from_errcode(*code, *msg);
            assert_eq!(e.kind(), *kind, "code {code}");
            assert_eq!(e.code(), code.to_string());
            assert!(!e.explain_zh().is_empty() && !e.explain_en().is_empty());
        }
        let api: &[(&str, ErrorKind)] = &[
            ("invalidClientIdOrSecret", ErrorKind::InvalidCredentials),
            ("InvalidAuthentication", ErrorKind::InvalidAuthentication),
            (
                "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
                ErrorKind::QpsLimited,
            ),
            (
                "invalidParameter.robotCode.auth",
                ErrorKind::RobotCodeUnauthorized,
            ),
            ("invalid.openConversationId", ErrorKind::InvalidConversation),
            ("group.disbanded", ErrorKind::GroupDisbanded),
            ("bot.stopped", ErrorKind::RobotDisabled),
            ("send.too.fast", ErrorKind::Throttled),
            ("send.byToken.tooFast", ErrorKind::Throttled),
            ("keywords.not.match", ErrorKind::KeywordMissing),
            ("sign.not.match", ErrorKind::SignatureMismatch),
            ("unknown.send.result", ErrorKind::UnknownSendResult),
        ];
        for (code, kind) in api {
            assert_eq!(Error::from_api(400, *code, "m", None).kind(), *kind);
        }
    }
}
