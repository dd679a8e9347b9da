// Augmentation of training images, by ImageDataGenerator's names (training/augment_settings.py),
// with a preview of what it does to a few samples.
import type { DatasetInfo } from "../../api/types";
import AugmentPreview from "./AugmentPreview";
import { NumField, Optional, SelectField, Toggle, type FieldCtx } from "./fields";
import { FILL_MODES } from "./store";

export default function AugmentGroup({ ctx, ds }: { ctx: FieldCtx; ds: DatasetInfo }) {
  const { s } = ctx;
  return (
    <Optional ctx={ctx} k="augment" label="Augment training images" keras="augment" testid="augment">
      <Toggle ctx={ctx} k="horizontalFlip" label="Flip left–right" keras="horizontal_flip" />
      <Toggle ctx={ctx} k="verticalFlip" label="Flip up–down" keras="vertical_flip" />
      <div className="row2">
        <NumField ctx={ctx} k="rotationRange" label="Rotation" keras="rotation_range" hint="± degrees" />
        <NumField ctx={ctx} k="zoomRange" label="Zoom" keras="zoom_range" hint="z, or 'lower, upper'" />
      </div>
      <div className="row2">
        <NumField ctx={ctx} k="widthShiftRange" label="Width shift" keras="width_shift_range" hint="< 1: fraction; ≥ 1: px" />
        <NumField ctx={ctx} k="heightShiftRange" label="Height shift" keras="height_shift_range" hint="< 1: fraction; ≥ 1: px" />
      </div>
      <div className="row2">
        <NumField ctx={ctx} k="brightnessLow" label="Brightness from" keras="brightness_range[0]" placeholder="off" />
        <NumField ctx={ctx} k="brightnessHigh" label="Brightness to" keras="brightness_range[1]" placeholder="off" />
      </div>
      <div className="row2">
        <NumField ctx={ctx} k="contrastRange" label="Contrast" keras="contrast_range" hint="0–1" />
        <SelectField ctx={ctx} k="fillMode" label="Fill" keras="fill_mode" options={FILL_MODES} />
      </div>
      <div className="row2">
        {s.fillMode === "constant" && <NumField ctx={ctx} k="cval" label="Fill value" keras="cval" />}
        <NumField ctx={ctx} k="augmentSeed" label="Seed" keras="seed" hint="empty: the run's seed" />
      </div>
      <AugmentPreview ctx={ctx} ds={ds} />
    </Optional>
  );
}
