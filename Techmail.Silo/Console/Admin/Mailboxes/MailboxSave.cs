using Techmail.Mailboxes;

namespace Techmail.Silo.WebConsole.Admin.Mailboxes;

/// <summary>
/// Saves a mailbox form through the engine and puts a refusal on the form: the engine's validation errors next to
/// their fields, any other refusal (the account another mailbox type reads, a name taken, access) above it.
/// </summary>
public static class MailboxSave
{
    /// <returns>The saved mailbox, or null when the engine refused it (the form then says why).</returns>
    public static async Task<MailboxView?> Run(MailboxForm form, Func<Task<MailboxView>> save)
    {
        try
        {
            return await save();
        }
        catch (MailboxException e) when (e.Errors.Count > 0)
        {
            form.AddEngineErrors(e.Errors);
        }
        catch (MailboxException e)
        {
            form.AddGeneralError(e.Message);
        }
        catch (Access.AccessDeniedException e)
        {
            form.AddGeneralError(e.Message);
        }
        catch (Versions.VersionConflictException)
        {
            // The form keeps what this admin typed; the next save is made knowingly over the other change.
            form.AddGeneralError("Someone changed this mailbox's settings since this form was opened, so nothing was saved. Your entries are kept below; save again to replace their change, or reload to see it.");
        }

        return null;
    }
}
