import Testing
@testable import CkptKit

/// `--only-shards auto`: the task from a Slurm job array or a Kubernetes Indexed Job.
@Suite("Shard selection from a job array")
struct ShardSelectionAutoTests {
    @Test func slurmArrayCountsFromItsFirstTask() throws {
        let env = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"]
        #expect(try ShardSelection.automatic(count: nil, environment: env) == ShardSelection(part: 2, count: 3))
        #expect(try ShardSelection.automatic(count: nil, environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4"])
            == ShardSelection(part: 1, count: 4))
    }

    @Test func indexedJobNeedsTheCount() throws {
        #expect(try ShardSelection.automatic(count: 4, environment: ["JOB_COMPLETION_INDEX": "3"]) == ShardSelection(part: 4, count: 4))
        #expect(throws: ShardSelection.AutomaticError.self) { try ShardSelection.automatic(count: nil, environment: ["JOB_COMPLETION_INDEX": "3"]) }
    }

    @Test(arguments: [
        [String: String](),
        ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "2"],
        ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "2"],
        ["JOB_COMPLETION_INDEX": "-1"],
    ])
    func badEnvironmentIsAnError(environment: [String: String]) {
        #expect(throws: ShardSelection.AutomaticError.self) { try ShardSelection.automatic(count: environment.isEmpty ? nil : 2, environment: environment) }
    }
}
