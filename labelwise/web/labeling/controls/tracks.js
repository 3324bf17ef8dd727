import { RegionControl } from "./base.js"; export class TracksControl extends RegionControl {}
