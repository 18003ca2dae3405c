using Perms.LoadTest.Running;

namespace Perms.LoadTest.Commands;

/// <summary>What one <c>run</c> did, for callers in process (the integration tests).</summary>
/// <param name="ExitCode">0: no wrong answer; 3: wrong answers; 1: setup failed, or a mix stopped early or left roles changed; 2: bad usage; 130: interrupted (<see cref="Result"/> then partial).</param>
/// <param name="Result">The measured part; null when the run did not get that far.</param>
/// <param name="RoleChanges">Role changes the mix made (the probe's and the restoring ones included).</param>
/// <param name="Restored">Memberships given their generated role back at the end of a mix.</param>
/// <param name="AnswersOnChangedMemberships">Answers judged for memberships whose role changed during the run.</param>
/// <param name="AnswersReflectingChanges">Of those, answers that showed a changed role (differed from the generated data's).</param>
internal sealed record RunOutcome(int ExitCode, LoadResult? Result, int RoleChanges = 0, int Restored = 0, long AnswersOnChangedMemberships = 0, long AnswersReflectingChanges = 0);
