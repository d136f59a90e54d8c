import Foundation
import GenerationCore
import Playground

// A closed pipe (`tgplay generate | head -1`) must end the process quietly, not kill it with SIGPIPE mid-write.
signal(SIGPIPE, SIG_IGN)
Output.claimStandardDescriptors()

let environment = ProcessInfo.processInfo.environment
let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    Output.message("\(error)\nRun `tgplay --help` for usage.")
    exit(2)
}

switch options.command {
case .help:
    Output.standardOutput(Help.text + "\n")
    exit(0)
case .version:
    Output.standardOutput("tgplay \(Help.versionString)\n")
    exit(0)
case .bench:
    exit(BenchCommand.run(options, environment: environment))
case .watermarkDetect:
    exit(Commands.watermarkDetect(options, environment: environment))
case .compare:
    exit(await CompareCommand.run(options, environment: environment))
case .playground:
    exit(PlaygroundLauncher.run(options, environment: environment))
case .generate, .tokenize, .info:
    let backend: any TextGenerationBackend
    do {
        backend = try BackendFactory.make(options.backend, environment: environment)
    } catch {
        exit(Output.fail(error))
    }
    let status: Int32
    switch options.command {
    case .generate: status = await Commands.generate(options, backend: backend)
    case .tokenize: status = await Commands.tokenize(options, backend: backend)
    default: status = await Commands.info(backend: backend)
    }
    exit(status)
}
