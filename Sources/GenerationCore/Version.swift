/// tgplay's version, reported in `--version`, the User-Agent and `info --local`.
public enum TGPlayVersion {
    public static let current = "0.1.0"
}
