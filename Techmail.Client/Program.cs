Techmail.Client.Infrastructure.SafeConsole.Install();

return await Techmail.Client.TechmailApp.Run(args);
