import Foundation
import GenerationCore

/// Where the output stands in the branch tree: the tree of continuations and the node shown.
public struct BranchState: Equatable, Sendable {
    public var tree: BranchTree
    public var node: BranchTree.NodeID
}
