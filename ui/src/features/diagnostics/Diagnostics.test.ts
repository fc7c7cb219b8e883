import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { useFakeBackend } from "../../test/helpers";
import Diagnostics from "./Diagnostics.svelte";

describe("Diagnostics", () => {
  it("checks this computer on request and lists every check with its status", async () => {
    const backend = useFakeBackend();
    render(Diagnostics);
    const user = userEvent.setup();
    expect(screen.queryByTestId("diagnostics")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Check this computer" }));
    expect(await screen.findByTestId("diagnostics-verdict")).toHaveTextContent("Ready, with 1 thing to know");
    for (const id of ["keychain", "data_dir", "secrets", "loopback", "browser"]) {
      expect(screen.getByTestId(`check-${id}`)).toHaveAttribute("data-status", "ok");
    }
    const links = screen.getByTestId("check-deep_link");
    expect(links).toHaveAttribute("data-status", "warning");
    expect(links).toHaveTextContent("Start the Patchbay app once");
    expect(within(links).getByText("(Note)")).toHaveClass("visually-hidden");
    expect(backend.calls.filter((c) => c.cmd === "diagnose")).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Check again" }));
    expect(backend.calls.filter((c) => c.cmd === "diagnose")).toHaveLength(2);
  });

  it("names a missing keychain as a problem, with its fix and detail", async () => {
    useFakeBackend({ scenario: "no_keychain" });
    render(Diagnostics);
    await userEvent.setup().click(screen.getByTestId("diagnose"));
    expect(await screen.findByTestId("diagnostics-verdict")).toHaveTextContent("1 problem to fix");
    const keychain = screen.getByTestId("check-keychain");
    expect(keychain).toHaveAttribute("data-status", "failed");
    expect(keychain).toHaveTextContent("The keychain is not available.");
    expect(keychain).toHaveTextContent("Start and unlock a keyring");
    expect(keychain).toHaveTextContent("org.freedesktop.secrets was not provided");
  });
});
