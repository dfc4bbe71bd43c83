using Delineate.Cli;

return await DelineateCommand.Create().RunAsync(args);
