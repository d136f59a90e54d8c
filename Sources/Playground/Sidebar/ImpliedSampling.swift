import GenerationCore

/// The warpers that make TGI sample although `do_sample` is off (its token chooser samples when temperature is
/// not 1, top_k is above 0, top_p or typical_p below 1; the built-in engine does the same, and for min_p too),
/// by their short names; empty when none is set or `do_sample` is on. The sidebar shows them in place of a bare
/// "off", so the person is not told the run is greedy when it will sample.
func samplingImpliedBy(_ p: GenerateParameters) -> [String] {
    guard p.doSample != true else { return [] }
    var names: [String] = []
    if let t = p.temperature, t != 1 { names.append("temp") }
    if let k = p.topK, k > 0 { names.append("top_k") }
    if let v = p.topP, v < 1 { names.append("top_p") }
    if let v = p.typicalP, v < 1 { names.append("typ_p") }
    if let v = p.minP, v > 0 { names.append("min_p") }
    return names
}
