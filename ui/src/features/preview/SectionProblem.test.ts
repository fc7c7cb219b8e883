import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { SectionProblem as Problem } from "../../ipc";
import SectionProblem from "./SectionProblem.svelte";

function problem(kind: Problem["kind"], title: string, message: string): Problem {
  return { kind, title, message, permission: kind.includes("permission") || kind === "not_requested" ? "Calendars.Read" : null, detail: null, request_id: null };
}

describe("SectionProblem", () => {
  it("offers no Fix for a permission the connection never asked for, and says what to do instead", () => {
    const onFix = vi.fn();
    const onRetry = vi.fn();
    render(SectionProblem, {
      problem: problem(
        "not_requested",
        "The calendar needs permission Calendars.Read.",
        'This connection was set up without it. To see this here, add a connection with "Read calendar" ticked.',
      ),
      testid: "agenda-problem",
      onFix,
      onRetry,
    });
    const box = screen.getByTestId("agenda-problem");
    expect(box).toHaveTextContent('add a connection with "Read calendar" ticked');
    expect(within(box).queryByRole("button")).not.toBeInTheDocument();
  });

  it("offers Fix when Microsoft refused the sign-in even after renewing it", async () => {
    const onFix = vi.fn();
    render(SectionProblem, {
      problem: problem("sign_in_refused", "The inbox could not be loaded.", "Use Fix to sign in again."),
      testid: "inbox-problem",
      onFix,
      onRetry: vi.fn(),
    });
    await userEvent.setup().click(screen.getByRole("button", { name: "Fix…" }));
    expect(onFix).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
  });
});
