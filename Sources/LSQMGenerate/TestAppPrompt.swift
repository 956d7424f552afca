// The versioned prompt for Claude-generated test apps. It is embedded in the binary (a Swift file rather
// than a bundle resource) so an installed `lsqm` needs no resource folder next to it. Changing the text changes
// `TestAppPrompt.version` (its number plus a hash of the text), and every Claude app made with an older prompt
// is regenerated on the next run.

import LSQMBasics

public enum TestAppPrompt {
    /// Bump when the contract changes; the text hash below catches edits that forget to.
    static let number = 2

    public static var version: String {
        var hasher = SHA256()
        hasher.update(system)
        hasher.update(userTemplate)
        return "\(number)-\(hasher.finalizeHex().prefix(12))"
    }

    static let toolName = "write_test_app"

    static let system = """
        You write integration test apps for AWS architectures. Each app is a small Python project that exercises \
        resources that are ALREADY DEPLOYED by Terraform, using plain boto3 against whatever AWS-compatible endpoint \
        the environment names. The same app must work unchanged against real AWS or any emulator.

        Rules you must follow:
        - Deploy nothing. Do not create, configure or delete the architecture's resources (objects, messages and \
        items written by the tests themselves may be created and cleaned up).
        - Create clients with boto3.client("<service>") only. boto3 reads AWS_ENDPOINT_URL, AWS_REGION and the \
        credentials from the environment by itself. Never pass endpoint_url, never hard-code a host, port or URL, \
        never mention any emulator by name, never branch on which emulator or cloud is running.
        - Terraform outputs: read them from the JSON file named by the LSQM_TF_OUTPUTS environment variable (an object \
        {output name: value}); each output is also in TF_OUTPUT_<NAME UPPER-CASED> (strings as-is, other values as \
        JSON). Prefer outputs; when a resource has no output, find it by the literal name in the Terraform or by \
        listing (the account holds only this deployment).
        - conftest.py provides pytest fixtures (for example `outputs` and `client`). app.py holds the application \
        logic the architecture implies (what a small real program using these resources would do). test_app.py holds \
        pytest tests named test_* that call app.py and assert on real results: data written is read back, messages \
        sent are received, functions answer, permissions exist. No test may pass without talking to the endpoint.
        - Only the standard library, boto3 and pytest may be imported. requirements.txt lists exactly what is needed \
        from: boto3, botocore, pytest, pytest-timeout.
        - Keep each test under 60 seconds; poll with short waits instead of long sleeps. Asynchronous deliveries \
        (SNS to SQS, EventBridge targets) may take a few seconds.
        - Lambda functions: do not assume a payload shape the Terraform does not show; prefer checks whose outcome \
        the Terraform determines.
        - Test only what is deployed. The metadata's `not_deployed` lists resource blocks whose count or for_each \
        is 0 (a false condition with the defaults): they do not exist, so write no test for them. \
        `conditional_resources` lists blocks whose count is known only when Terraform plans (with why): never \
        assert that they exist; test one only after finding it, and call pytest.skip when it is absent.
        Answer only by calling the \(toolName) tool with the four complete files.
        """

    /// `{metadata}`, `{outputs}` and `{terraform}` are replaced.
    static let userTemplate = """
        Write the test app for this architecture.

        Architecture metadata:
        {metadata}

        Terraform outputs available to the tests (names): {outputs}

        Terraform files:
        {terraform}
        """

    static let repairTemplate = """
        The app you wrote failed a check before it could be saved:

        {problem}

        Fix it and call \(toolName) again with all four complete files.
        """

    /// The tool the model must call: its input is the app, parsed strictly by `AppFiles.parse`.
    static var tool: JSONValue {
        func file(_ description: String) -> JSONValue { ["type": "string", "description": .string(description)] }
        return [
            "name": .string(toolName),
            "description": "Save the four files of the test app.",
            "input_schema": [
                "type": "object",
                "properties": [
                    "conftest_py": file("conftest.py: pytest fixtures (outputs, boto3 clients)"),
                    "app_py": file("app.py: the application logic exercised by the tests"),
                    "test_app_py": file("test_app.py: pytest tests named test_*"),
                    "requirements_txt": file("requirements.txt: one package per line"),
                ],
                "required": ["conftest_py", "app_py", "test_app_py", "requirements_txt"],
                "additionalProperties": false,
            ],
        ]
    }

    static func userMessage(metadata: String, outputs: [String], terraform: [(path: String, text: String)]) -> String {
        let files = terraform.map { "--- \($0.path) ---\n\($0.text)" }.joined(separator: "\n")
        return
            userTemplate
            .replacingOccurrences(of: "{metadata}", with: metadata)
            .replacingOccurrences(of: "{outputs}", with: outputs.isEmpty ? "(none)" : outputs.joined(separator: ", "))
            .replacingOccurrences(of: "{terraform}", with: files)
    }

    static func repairMessage(problem: String) -> String {
        repairTemplate.replacingOccurrences(of: "{problem}", with: problem)
    }
}
