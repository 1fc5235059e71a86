public import AWSKit

extension Effect {
    /// The effect of an AWS operation of the given dry-run class: a read runs live in a dry run,
    /// a mutate does no I/O.
    ///
    /// - Parameter operationClass: the class from ``AWSOperationClass/of(service:operation:)``.
    public init(_ operationClass: AWSOperationClass) {
        switch operationClass {
        case .read: self = .read
        case .mutate: self = .mutate
        }
    }
}
