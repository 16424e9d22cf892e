import type { Rect } from '../faceApiOnnx/faceGeometry.ts';

/**
 * The box face-api's landmark net is fed for a face YuNet found: YuNet's box moved and
 * scaled to where SSD MobileNet, the detector face-api's nets were used with, boxes the
 * same face (medians over the faces both found on the development set). The descriptor
 * reads the square aligned from those landmarks, so it sees the face as before.
 */
const SSD_FRAMING = { shiftX: -0.012, shiftY: -0.017, width: 0.961, height: 1.052 } as const;

export function landmarkBox(detected: Rect): Rect {
  const width = detected.width * SSD_FRAMING.width;
  const height = detected.height * SSD_FRAMING.height;
  const centreX = detected.x + detected.width * (0.5 + SSD_FRAMING.shiftX);
  const centreY = detected.y + detected.height * (0.5 + SSD_FRAMING.shiftY);
  return { x: centreX - width / 2, y: centreY - height / 2, width, height };
}
