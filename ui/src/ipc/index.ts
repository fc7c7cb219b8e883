// What screens import. Nothing outside ui/src/ipc imports @tauri-apps/*.
export * from "./commands";
export * from "./events";
export * from "./errors";
export type { Account } from "./bindings/Account";
export type { AuthType } from "./bindings/AuthType";
export type { BuiltInApp } from "./bindings/BuiltInApp";
export type { ConnectEvent } from "./bindings/ConnectEvent";
export type { ConnectRequest } from "./bindings/ConnectRequest";
export type { ConnectionStatus } from "./bindings/ConnectionStatus";
export type { ConnectionSummary } from "./bindings/ConnectionSummary";
export type { Connector } from "./bindings/Connector";
export type { ConnectorStatus } from "./bindings/ConnectorStatus";
export type { EnvironmentId } from "./bindings/EnvironmentId";
export type { EnvironmentPreset } from "./bindings/EnvironmentPreset";
export type { ErrorAction } from "./bindings/ErrorAction";
export type { Feature } from "./bindings/Feature";
export type { Permission } from "./bindings/Permission";
export type { RedirectAdvice } from "./bindings/RedirectAdvice";
