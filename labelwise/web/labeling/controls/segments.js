import { RegionControl } from "./base.js"; export class SegmentsControl extends RegionControl {}
