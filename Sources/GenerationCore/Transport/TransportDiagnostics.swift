/// What the transport holds open, for leak checks outside the module (`tgplay bench soak`): a cancelled or failed
/// transfer must give its libcurl handle back.
public enum TransportDiagnostics {
    /// libcurl easy handles alive for request URLs starting with `prefix` (all of them for "").
    public static func liveCurlHandles(prefix: String = "") -> Int { CurlTransfer.liveHandles(prefix: prefix) }
}
