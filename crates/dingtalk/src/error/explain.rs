//! What an admin is told: each [`ErrorKind`]'s cause and fix in Chinese and English, and
//! [`Error::explain`], which appends DingTalk's own code and message.

use super::{Error, ErrorKind, Lang};

impl ErrorKind {
    /// (cause, fix) in Chinese.
    pub fn text_zh(self) -> (&'static str, &'static str) {
        use ErrorKind::*;
        match self {
            Busy => ("钉钉系统繁忙（-1）。", "稍后自动重试即可。"),
            ServerError => ("钉钉服务器返回了错误（5xx）或无法识别的应答。", "稍后自动重试即可；若持续出现，请检查网络代理或钉钉服务状态。"),
            Connect => ("无法连接钉钉服务器，消息没有发出。", "检查服务器网络、DNS 与代理设置；系统会自动重试。"),
            Timeout => ("请求已发出但等待钉钉应答超时，消息可能已送达。", "系统会用相同的 msgUuid 重试，不会重复发送；请勿手动重发。"),
            ConnectionLost => ("连接在钉钉应答前中断，消息可能已送达。", "系统会用相同的 msgUuid 重试，不会重复发送。"),
            UnknownSendResult => ("钉钉无法确认消息是否已发送（unknown.send.result）。", "先到群里确认是否已收到，不要盲目重发。"),
            Throttled => ("机器人发送过快：每个机器人每分钟最多 20 条，超出后会被限流 10 分钟。", "等待限流结束后再发；批量颁奖请使用汇总消息（digest）合并发送。"),
            QpsLimited => ("应用调用该接口的频率超过每秒限额。", "等待 1 秒后重试即可。"),
            LocalRateLimited => ("为避免触发钉钉限流，本系统暂缓发送（每个机器人每分钟 20 条）。", "消息会在额度恢复后自动发送。"),
            MissingJson => ("请求体缺失或不是合法 JSON（40035）。", "这是程序问题，请联系维护人员。"),
            BadContentType => ("Content-Type 不是 application/json（43004）。", "这是程序问题，请联系维护人员。"),
            TokenNotExist => ("Webhook 的 access_token 不存在：机器人可能已被删除，或填写的不是 token。", "在群设置 → 智能群助手中复制机器人完整的 Webhook 地址，重新粘贴保存。"),
            GroupDisbanded => ("群已解散。", "删除或停用这个群目标。"),
            RobotDisabled => ("机器人已被停用。", "请群主或管理员在群设置 → 智能群助手中重新启用机器人。"),
            UnsupportedMessageType => ("钉钉不支持该消息类型（400105）。", "这是程序问题，请联系维护人员。"),
            RobotNotInGroup => ("机器人不在该群中。", "把机器人（或应用机器人）添加到群里后再试。"),
            UnsafeLink => ("消息中的外部链接被钉钉判定为不安全（430101）。", "检查站点的公开地址（public URL）是否为正常的 https 域名。"),
            ContentNotAllowed => ("消息的文字、图片或内容不被钉钉允许（430102–430104）。", "修改勋章名称、颁发原因或图片中可能违规的内容。"),
            SecurityCheckFailed => ("钉钉安全校验失败（310000），原因见钉钉返回的 errmsg。", "按 errmsg 检查关键词、加签密钥、服务器时间或 IP 白名单设置。"),
            KeywordMissing => ("消息中没有包含机器人的自定义关键词。", "在群目标设置中填写与机器人一致的关键词，系统会自动把关键词加到卡片底部。"),
            SignatureMismatch => ("加签校验失败：密钥不对（可能是另一个机器人的）、机器人未开启加签，或签名被重复编码。", "从机器人安全设置中重新复制以 SEC 开头的密钥并保存。"),
            TimestampInvalid => ("时间戳无效：服务器时钟与钉钉相差超过 1 小时。", "校准服务器时间（开启 NTP）。"),
            IpNotAllowed => ("服务器的出口 IP 不在机器人的 IP 白名单中。", "在机器人安全设置中加入服务器的出口 IP（IPv4 或网段）。"),
            MessageTooLong => ("消息太长（单条约 20000 字节，应用消息参数 15000 字节）。", "减少一条消息里的获奖人数或缩短颁发原因。"),
            QuotaExhausted => ("本组织本月的机器人消息额度已用完（20001）。", "下月额度恢复后再发，或升级钉钉版本。"),
            InvalidCredentials => ("应用的 AppKey 或 AppSecret 不正确。", "在钉钉开发者后台复制正确的 AppKey / AppSecret 到系统设置。"),
            InvalidAuthentication => ("访问令牌（access token）无效或已过期。", "系统会自动重新获取令牌；若持续出现请检查应用凭证。"),
            RobotCodeUnauthorized => ("robotCode 不属于该应用或未授权。", "在系统设置中填写本应用机器人的 robotCode。"),
            InvalidConversation => ("openConversationId 无效。", "重新获取群的 openConversationId（以 cid 开头）并保存。"),
            UnknownChat => ("钉钉找不到这个 chatid 的群（34001）。", "核对群的 chatid（以 chat 开头）并保存，或改用应用机器人。"),
            ApiNotPermitted => ("应用没有调用该接口的权限（60011）。", "在钉钉开发者后台为应用开通该接口权限；chat/create、chat/send 不对 2022 年后接入的应用开放，请改用场景群和应用机器人。"),
            UserNotFound => ("通讯录中找不到使用该手机号的在职员工（60121）。", "核对员工手机号，或确认其仍在组织中。"),
            MobileNotInOrg => ("该手机号不在本组织中（40104）。", "核对员工手机号，或先邀请其加入组织。"),
            HonourNotFound => ("钉钉中找不到这个组织荣誉。", "在荣誉列表中重新选择，或重新创建荣誉模板。"),
            ConcurrentGrant => ("同一颁发人正在进行另一次荣誉颁发。", "等上一批颁发完成后自动重试。"),
            InvalidParameter => ("钉钉认为请求参数无效。", "查看钉钉返回的信息并修正对应设置。"),
            InvalidWebhook => ("Webhook 地址无法使用（不是钉钉的地址或缺少 access_token）。", "粘贴形如 https://oapi.dingtalk.com/robot/send?access_token=… 的完整地址。"),
            InvalidMessage => ("消息格式不符合钉钉要求（例如 @ 超过 50 人或按钮缺失）。", "这是程序问题，请联系维护人员。"),
            InvalidRequest => ("请求超出了钉钉接口的限制（例如一次查询超过 50 人或超过 7 天），在调用前已被拦下。", "这是程序问题，请联系维护人员。"),
            Unknown => ("钉钉返回了未知错误。", "查看钉钉返回的错误码与信息，必要时联系维护人员。"),
        }
    }

    /// (cause, fix) in English.
    pub fn text_en(self) -> (&'static str, &'static str) {
        use ErrorKind::*;
        match self {
            Busy => ("DingTalk is busy (-1).", "It will be retried automatically."),
            ServerError => ("DingTalk answered with a server error (5xx) or an unreadable answer.", "It will be retried; if it persists, check the proxy or DingTalk's status."),
            Connect => ("Could not connect to DingTalk; nothing was sent.", "Check the server's network, DNS and proxy; it will be retried."),
            Timeout => ("The request was sent but DingTalk did not answer in time; it may have been delivered.", "It is retried with the same msgUuid, so it cannot post twice; do not resend by hand."),
            ConnectionLost => ("The connection broke before DingTalk answered; it may have been delivered.", "It is retried with the same msgUuid, so it cannot post twice."),
            UnknownSendResult => ("DingTalk could not tell whether the message was sent (unknown.send.result).", "Check the group before resending; do not resend blindly."),
            Throttled => ("The robot sent too fast: 20 messages per minute per robot, then a 10-minute penalty.", "Wait for the penalty to end; for bulk awards use a digest message."),
            QpsLimited => ("The app called this API more often than its per-second limit.", "Wait a second and retry."),
            LocalRateLimited => ("Held back by our own limiter to stay under 20 messages per minute per robot.", "It is sent automatically when the window allows."),
            MissingJson => ("The request body is missing or not JSON (40035).", "This is a bug; contact the maintainers."),
            BadContentType => ("The Content-Type is not application/json (43004).", "This is a bug; contact the maintainers."),
            TokenNotExist => ("The webhook's access_token does not exist: the robot was removed, or what was saved is not the token.", "Copy the robot's whole webhook URL from the group settings (智能群助手) and paste it again."),
            GroupDisbanded => ("The group was disbanded.", "Remove or disable this group."),
            RobotDisabled => ("The robot has been disabled.", "Ask the group owner to enable the robot again in the group settings."),
            UnsupportedMessageType => ("DingTalk does not support this message type (400105).", "This is a bug; contact the maintainers."),
            RobotNotInGroup => ("The robot is not in the group.", "Add the robot (or the app's robot) to the group and try again."),
            UnsafeLink => ("DingTalk considers an external link in the message unsafe (430101).", "Check that the public URL is a normal https domain."),
            ContentNotAllowed => ("DingTalk does not allow the text, picture or content (430102–430104).", "Change the medal name, reason or picture that may break the rules."),
            SecurityCheckFailed => ("DingTalk's security check failed (310000); the reason is in errmsg.", "Check keywords, signing secret, server clock or IP allowlist as errmsg says."),
            KeywordMissing => ("The message does not contain any of the robot's custom keywords.", "Enter the same keywords as the robot in the group settings here; the card then gets them in its footer."),
            SignatureMismatch => ("Signature mismatch: wrong secret (maybe another robot's), signing not enabled on the robot, or the signature was url-encoded twice.", "Copy the robot's secret (starting with SEC) from its security settings again."),
            TimestampInvalid => ("Invalid timestamp: the server clock differs from DingTalk's by more than an hour.", "Fix the server clock (enable NTP)."),
            IpNotAllowed => ("The server's outgoing IP is not in the robot's IP allowlist.", "Add the server's outgoing IPv4 address or range to the robot's security settings."),
            MessageTooLong => ("The message is too long (about 20,000 bytes per message, 15,000 for app message parameters).", "Mention fewer people per message or shorten the reason."),
            QuotaExhausted => ("The organisation's monthly robot message quota is used up (20001).", "Wait for next month's quota or upgrade the DingTalk edition."),
            InvalidCredentials => ("The app's AppKey or AppSecret is wrong.", "Copy the AppKey / AppSecret from the DingTalk developer console into the settings."),
            InvalidAuthentication => ("The access token is invalid or expired.", "A new token is fetched automatically; if it persists, check the app credentials."),
            RobotCodeUnauthorized => ("The robotCode does not belong to this app or is not authorised.", "Enter this app's robot robotCode in the settings."),
            InvalidConversation => ("The openConversationId is invalid.", "Get the group's openConversationId (starting with cid) again and save it."),
            UnknownChat => ("DingTalk has no group with this chatid (34001).", "Check the group's chatid (starting with chat) and save it, or use the app robot instead."),
            ApiNotPermitted => ("The app may not call this API (60011).", "Grant the API to the app in DingTalk's developer console; chat/create and chat/send are closed to apps onboarded after 2022, use scene groups and the app robot."),
            UserNotFound => ("No current employee has this mobile number (60121).", "Check the mobile number, or whether the person is still in the organisation."),
            MobileNotInOrg => ("This mobile number is not in the organisation (40104).", "Check the number, or invite the person to the organisation first."),
            HonourNotFound => ("DingTalk has no such organisation honour.", "Pick the honour again from the list, or create the template again."),
            ConcurrentGrant => ("Another honour grant by the same sender is in progress.", "It is retried when the previous grant finishes."),
            InvalidParameter => ("DingTalk says a request parameter is invalid.", "Read DingTalk's message and fix the setting it names."),
            InvalidWebhook => ("The webhook URL cannot be used (not a DingTalk address, or no access_token).", "Paste the whole URL, like https://oapi.dingtalk.com/robot/send?access_token=…"),
            InvalidMessage => ("The message does not meet DingTalk's rules (e.g. more than 50 @mentions, missing buttons).", "This is a bug; contact the maintainers."),
            InvalidRequest => ("The request breaks a limit of DingTalk's API (e.g. more than 50 people or more than 7 days in one query); it was stopped before calling.", "This is a bug; contact the maintainers."),
            Unknown => ("DingTalk answered with an unknown error.", "Read DingTalk's code and message; contact the maintainers if needed."),
        }
    }
}

impl Error {
    /// Cause and fix for an admin, with DingTalk's own code and message appended.
    pub fn explain(&self, lang: Lang) -> String {
        let (cause, fix) = match lang {
            Lang::Zh => self.0.kind.text_zh(),
            Lang::En => self.0.kind.text_en(),
        };
        let mut s = format!("{cause} {fix}");
        if self.0.code.is_some() || !self.0.errmsg.is_empty() {
            let label = match lang {
                Lang::Zh => "钉钉返回",
                Lang::En => "DingTalk said",
            };
            s.push_str(&format!(" （{label}: {} {}）", self.code(), self.0.errmsg));
            if lang == Lang::En {
                s = s.replace(" （", " (").replace("）", ")");
            }
        }
        s
    }

    pub fn explain_zh(&self) -> String {
        self.explain(Lang::Zh)
    }

    pub fn explain_en(&self) -> String {
        self.explain(Lang::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanation_keeps_errmsg() {
        let e = Error::from_errcode(310000, "ip 10.1.1.1 not in whitelist");
        assert!(e.explain_zh().contains("ip 10.1.1.1 not in whitelist"));
        assert!(e.explain_en().contains("allowlist"));
        assert!(e.to_string().contains("310000"));
        let stored = Error::from_code("310000", "keywords not in content");
        assert_eq!(stored.kind(), ErrorKind::KeywordMissing);
        assert_eq!(
            Error::from_code("local.keywords", "").kind(),
            ErrorKind::KeywordMissing
        );
        assert_eq!(
            Error::from_code("bot.stopped", "").kind(),
            ErrorKind::RobotDisabled
        );
    }
}
