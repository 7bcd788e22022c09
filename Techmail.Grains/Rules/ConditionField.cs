namespace Techmail.Rules;

public enum ConditionField
{
    Mailbox,
    Sender,
    SenderDomain,
    From,
    FromDomain,
    To,
    ToDomain,
    Cc,
    CcDomain,
    Subject,
    Body,
    Header,
    HasAttachments,
    ContactKnown,
    IsNew,
}

public enum ConditionOp
{
    Contains,
    Equals,
    Regex,
}
