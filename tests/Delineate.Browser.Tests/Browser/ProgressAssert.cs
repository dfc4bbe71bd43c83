namespace Delineate.Browser.Tests.Browser;

/// <summary>What must hold for every sequence of renders of one job.</summary>
public static class ProgressAssert
{
    /// <summary>The bar never went back, and the seq it showed never went back either.</summary>
    public static void NeverWentBack(IReadOnlyList<RenderRecord> renders)
    {
        Assert.NotEmpty(renders);
        for (var i = 1; i < renders.Count; i++)
        {
            var (before, after) = (renders[i - 1], renders[i]);
            Assert.True(
                after.Progress >= before.Progress,
                $"the bar went back from {before.Progress}% (seq {before.Seq}) to {after.Progress}% (seq {after.Seq}); renders: {Describe(renders)}");
            Assert.True(
                after.Seq >= before.Seq,
                $"the page showed seq {after.Seq} after seq {before.Seq}; renders: {Describe(renders)}");
        }
    }

    public static string Describe(IEnumerable<RenderRecord> renders) =>
        string.Join(", ", renders.Select(r => $"{r.Seq}:{r.Progress}%:{r.Status}/{r.Phase}"));
}
