import Foundation
import LSQMBasics

/// Where the tests find what `swift build` produced (the lsqm binary, plugin libraries) and the package's
/// own files. The build folder is the test bundle's folder unless `LSQM_TEST_BUILD_DIR` says otherwise.
public enum BuildProducts {
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["LSQM_TEST_BUILD_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The XCTest runner may live inside the .xctest bundle folder on some layouts.
        while dir.path != "/", !Files.exists(dir.appendingPathComponent("lsqm")) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    public static var lsqm: URL { directory.appendingPathComponent("lsqm") }

    public static func plugin(_ name: String) -> URL { directory.appendingPathComponent("lib\(name).so") }

    /// The package root (this file is Sources/LSQMTestSupport/BuildProducts.swift).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `../shared/corpus` next to the package, when present.
    public static var corpus: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus", isDirectory: true)
        return Files.isDirectory(url) ? url : nil
    }

    public static var pluginABIInclude: URL { packageRoot.appendingPathComponent("Sources/LSQMPluginABI/include", isDirectory: true) }
}

/// Builds small C plugins at test time with the system C compiler, so the bad-plugin cases (wrong magic,
/// newer major, crashes, hangs) are real shared libraries loaded by the real loader.
public enum CPluginCompiler {
    public static func compile(_ source: String, name: String, into directory: URL) async throws -> URL {
        let sourceFile = directory.appendingPathComponent("\(name).c")
        try AtomicFile.write(source, to: sourceFile)
        let output = directory.appendingPathComponent("lib\(name).so")
        let result = try await Subprocess.run([
            "cc", "-shared", "-fPIC", "-O0", "-I", BuildProducts.pluginABIInclude.path,
            "-o", output.path, sourceFile.path,
        ])
        guard result.succeeded else {
            throw LSQMError(.environment, action: "compile test plugin \(name)", cause: result.combinedOutput)
        }
        return output
    }

    /// A complete notifier plugin whose notify() body is `body` and whose descriptor fields can be overridden.
    public static func notifierSource(
        name: String, notifyBody: String = "*response_json = strdup(\"{\\\"delivered\\\":true}\"); return LSQM_OK;",
        magic: String = "LSQM_PLUGIN_MAGIC", abiMajor: String = "LSQM_ABI_MAJOR",
        structSize: String = "sizeof(lsqm_plugin_descriptor)", kind: String = "LSQM_KIND_NOTIFIER",
        exportName: String = "lsqm_plugin_entry", createBody: String = "*state = NULL; return LSQM_OK;"
    ) -> String {
        """
        #include <stdlib.h>
        #include <string.h>
        #include <signal.h>
        #include <unistd.h>
        #include "lsqm_plugin.h"
        static lsqm_status c_create(const lsqm_host_api *api, lsqm_host *host, const char *config, void **state, char **error_json) {
            (void)api; (void)host; (void)config; (void)error_json; \(createBody)
        }
        static void c_destroy(void *state) { (void)state; }
        static void c_free(char *buffer) { free(buffer); }
        static lsqm_status c_notify(void *state, const char *request_json, char **response_json, char **error_json) {
            (void)state; (void)request_json; (void)error_json; \(notifyBody)
        }
        static const lsqm_notifier_functions functions = { .struct_size = sizeof(lsqm_notifier_functions), .notify = c_notify };
        static const lsqm_plugin_descriptor descriptor = {
            .magic = \(magic), .abi_major = \(abiMajor), .abi_minor = LSQM_ABI_MINOR, .struct_size = \(structSize),
            .kind = \(kind), .name = "\(name)", .version = "0.0.1", .description = "test plugin",
            .create = c_create, .destroy = c_destroy, .free_buffer = c_free, .functions = &functions,
        };
        LSQM_EXPORT const lsqm_plugin_descriptor *\(exportName)(void) { return &descriptor; }
        """
    }
}
