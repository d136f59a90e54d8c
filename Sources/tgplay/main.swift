import Foundation
import GenerationCore
import Playground

// A closed pipe (`tgplay generate | head -1`) must end the process quietly, not kill it with SIGPIPE mid-write.
signal(SIGPIPE, SIG_IGN)
// SIGQUIT (Ctrl-\) quits with the system's default action. Swift's runtime backtracer takes it for a crash: it
// printed a "Program crashed" backtrace and then the generation went on. An inherited SIG_IGN (a background job of
// a non-interactive shell) is kept; the playground installs its own handler, which restores the terminal.
var quitAction = sigaction()
if sigaction(SIGQUIT, nil, &quitAction) == 0,
   unsafeBitCast(quitAction.__sigaction_handler.sa_handler, to: Int.self) != unsafeBitCast(SIG_IGN, to: Int.self) {
    signal(SIGQUIT, SIG_DFL)
}
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
case .generate, .tokenize, .info, .chat, .template, .explain, .sampleTree, .step:
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
    case .chat: status = await Commands.chat(options, backend: backend)
    case .template: status = await Commands.template(options, backend: backend)
    case .explain: status = await ExplainCommand.run(options, backend: backend)
    case .sampleTree: status = await LabCommands.sampleTree(options, backend: backend)
    case .step: status = await LabCommands.step(options, backend: backend)
    default: status = await Commands.info(backend: backend)
    }
    exit(status)
}
