using QwenVk.Model.Sampling;

namespace QwenVk.Tests.Sampling;

public sealed class StopDetectorTests
{
    [Fact]
    public void StopString_SpanningTokens_IsNeverShown_AndEndsGeneration()
    {
        var detector = new StopDetector(new StopConditions { StopStrings = ["STOP"] });
        Assert.Equal(new StopStep("Hel", StopReason.None), detector.Append(1, "Hel"));
        Assert.Equal(new StopStep("lo ", StopReason.None), detector.Append(2, "lo ST")); // "ST" may start STOP
        Assert.Equal(new StopStep("", StopReason.StopString), detector.Append(3, "OP and more"));
    }

    [Fact]
    public void HeldBackText_IsReleasedWhenItTurnsOutNotToBeAStop()
    {
        var detector = new StopDetector(new StopConditions { StopStrings = ["\n\nUser:", "</s>"] });
        Assert.Equal("a", detector.Append(1, "a\n").Text);
        Assert.Equal("", detector.Append(2, "\nUs").Text);
        Assert.Equal("\n\nUsual", detector.Append(3, "ual").Text);
        Assert.Equal("x", detector.Append(4, "x<").Text);
        Assert.Equal("<", detector.Finish());
    }

    [Fact]
    public void EarliestStopStringWins_AndTextBeforeItIsKept()
    {
        var detector = new StopDetector(new StopConditions { StopStrings = ["world", "lo"] });
        StopStep step = detector.Append(1, "hello world");
        Assert.Equal(new StopStep("hel", StopReason.StopString), step);
    }

    [Fact]
    public void StopToken_EndsGeneration_WithoutItsText_ReleasingHeldText()
    {
        var detector = new StopDetector(new StopConditions { StopTokenIds = [151645], StopStrings = ["END"] });
        Assert.Equal("ok ", detector.Append(10, "ok E").Text);
        Assert.Equal(new StopStep("E", StopReason.StopToken), detector.Append(151645, "<|im_end|>"));
        Assert.Throws<InvalidOperationException>(() => detector.Append(11, "late"));
    }

    [Fact]
    public void MaxNewTokens_CountsEveryGeneratedToken()
    {
        var detector = new StopDetector(new StopConditions { MaxNewTokens = 3 });
        Assert.False(detector.Append(1, "a").ShouldStop);
        Assert.False(detector.Append(2, "b").ShouldStop);
        Assert.Equal(new StopStep("c", StopReason.MaxTokens), detector.Append(3, "c"));
    }

    [Fact]
    public void InvalidConditions_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StopDetector(new StopConditions { MaxNewTokens = 0 }));
        Assert.Throws<ArgumentException>(() => new StopDetector(new StopConditions { StopStrings = [""] }));
    }
}
